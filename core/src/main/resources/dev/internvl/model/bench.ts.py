# Machine probes for the benchmark: memory read bandwidth (the decode roofline is weight bytes per token divided by it).
def bench_buffer(self, numel: int) -> Tensor:
    return torch.ones([numel], dtype=$FLOAT32)                                        # fp32, touched once so pages are resident

def bench_read(self, buffer: Tensor) -> float:
    return float(torch.sum(buffer))                                            # reads every byte once
