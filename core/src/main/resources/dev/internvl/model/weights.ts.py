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

def regroup_qkv(self, t: Tensor, n_kv: int, g: int, hd: int) -> Tensor:
    # InternLM2's wqkv (weight [KV*(g+2)*hd, D] or bias [KV*(g+2)*hd]) holds, for each KV head h, the rows
    # [q_(h*g) .. q_(h*g+g-1), k_h, v_h] of hd rows each. Returns the q;k;v row order of the engine.
    x = torch.reshape(t, [n_kv, g + 2, hd, -1])                                # [KV,g+2,hd,D]
    width = x.size(3)
    q = torch.reshape(torch.narrow(x, 1, 0, g), [n_kv * g * hd, width])        # query heads h*g+j in order
    k = torch.reshape(torch.narrow(x, 1, g, 1), [n_kv * hd, width])
    v = torch.reshape(torch.narrow(x, 1, g + 1, 1), [n_kv * hd, width])
    out = torch.cat([q, k, v], 0)                                              # [(H+2KV)*hd, D]
    if t.dim() == 1:
        return torch.reshape(out, [-1])
    return out

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
