# Weight loading. The checkpoint's safetensors files are mapped by libtorch itself (private, read-only mmap),
# so bf16/fp16 data never passes through DJL's dtype handling and nothing is copied when the stored dtype and
# device already match the compute dtype and device. Dtype codes: 5 fp16, 6 fp32, 15 bf16 (torch ScalarType).
def map_file(self, path: str, numel: int, dtype: int) -> Tensor:
    return torch.from_file(path, False, numel, dtype=dtype)

def take(self, storage: Tensor, offset: int, shape: List[int], dtype: int, device: str) -> Tensor:
    n = 1
    for d in shape:
        n = n * d
    t = torch.reshape(torch.narrow(storage, 0, offset, n), shape)
    return torch.to(t, torch.device(device), dtype)

def convert(self, t: Tensor, dtype: int, device: str) -> Tensor:
    return torch.to(t, torch.device(device), dtype)

# Lists are always built from an input: TorchScript folds an input-less `[]` into one shared constant.
def list_of(self, first: Tensor) -> List[Tensor]:
    return [first]

def push(self, ws: List[Tensor], t: Tensor) -> int:
    ws.append(t)
    return len(ws)

def cat_rows(self, parts: List[Tensor]) -> Tensor:
    return torch.cat(parts, 0)

def absent(self) -> Tensor:
    return torch.empty([0])

def empty_rows(self, width: int, dtype: int, device: str) -> Tensor:
    return torch.zeros([0, width], dtype=dtype, device=torch.device(device))

def rms(self, x: Tensor, weight: Tensor, eps: float) -> Tensor:
    # RMSNorm exactly as the reference: statistics in fp32, scaled value cast back, then the weight.
    xf = torch.to(x, 6)
    xf = xf * torch.rsqrt(torch.mean(torch.pow(xf, 2), [-1], True) + eps)
    return weight * torch.to(xf, x.dtype)

def linear(self, x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    if bias.numel() == 0:
        return torch.linear(x, weight)
    return torch.linear(x, weight, bias)
