# Weight loading. The checkpoint's safetensors files are mapped by libtorch itself (private, read-only mmap),
# so bf16/fp16 data never passes through DJL's dtype handling and nothing is copied when the stored dtype and
# device already match the compute dtype and device. Indices and dtypes are named $NAME (KernelLayout, ScalarType);
# the engine writes their numbers in when it compiles these sources.
def map_file(self, path: str, numel: int, dtype: int) -> Tensor:
    return torch.from_file(path, False, numel, dtype=dtype)

def take(self, storage: Tensor, offset: int, shape: List[int], dtype: int, device: str) -> Tensor:
    n = 1
    for d in shape:
        n = n * d
    t = torch.reshape(torch.narrow(storage, 0, offset, n), shape)
    return torch.to(t, torch.device(device), dtype)

def take_stored(self, storage: Tensor, offset: int, shape: List[int], device: str) -> Tensor:
    n = 1
    for d in shape:
        n = n * d
    return torch.to(torch.reshape(torch.narrow(storage, 0, offset, n), shape), torch.device(device))

def dtype_code(self, t: Tensor) -> int:
    # the ScalarType code of the dtypes a decoder's weights and scales have, else -1
    for code in [$FLOAT32, $BFLOAT16, $FLOAT16, $INT8, $UINT8, $INT32]:
        if t.dtype == code:
            return code
    return -1

def dtype_codes(self, ws: List[Tensor]) -> List[int]:
    codes = [self.dtype_code(ws[0])]
    for i in range(1, len(ws)):
        codes.append(self.dtype_code(ws[i]))
    return codes

def contiguous_cpu(self, t: Tensor, widen: bool) -> Tensor:
    # a tensor's data in row-major order on the CPU (what a file holds); widen: 16-bit floats as float32 (exact)
    t = torch.contiguous(torch.to(t, torch.device("cpu")))
    if widen:
        t = torch.to(t, $FLOAT32)
    return t

def convert(self, t: Tensor, dtype: int, device: str) -> Tensor:
    return torch.to(t, torch.device(device), dtype)

# Lists are always built from an input: TorchScript folds an input-less `[]` into one shared constant.
def list_of(self, first: Tensor) -> List[Tensor]:
    return [first]

def push(self, ws: List[Tensor], t: Tensor) -> int:
    ws.append(t)
    return len(ws)

def push_again(self, ws: List[Tensor], index: int) -> int:
    ws.append(ws[index])
    return len(ws)

def cat_rows(self, parts: List[Tensor]) -> Tensor:
    return torch.cat(parts, 0)

def narrow_rows(self, t: Tensor, start: int, rows: int) -> Tensor:
    return torch.narrow(t, 0, start, rows)

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
    xf = torch.to(x, $FLOAT32)
    xf = xf * torch.rsqrt(torch.mean(torch.pow(xf, 2), [-1], True) + eps)
    return weight * torch.to(xf, x.dtype)

def linear(self, x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    if weight.is_mkldnn:  # a matrix in oneDNN's blocked layout (pack_matrix)
        no_scalars = annotate(List[Optional[number]], [])
        if bias.numel() == 0:
            return ops.mkldnn._linear_pointwise(x, weight, None, "none", no_scalars, "")
        return ops.mkldnn._linear_pointwise(x, weight, bias, "none", no_scalars, "")
    if bias.numel() == 0:
        return torch.linear(x, weight)
    return torch.linear(x, weight, bias)

# A bf16 matrix on the CPU, reordered once into oneDNN's blocked layout for a product with few rows. A plain
# [N,K] bf16 weight is reordered by oneDNN at every linear call (reading and writing the matrix again, each token);
# packed, decode reads each weight once (engine.md, "Packed bf16 matrices"). The result is an opaque mkldnn tensor
# that only linear above consumes.
def pack_matrix(self, w: Tensor) -> Tensor:
    return ops.mkldnn._reorder_linear_weight(torch.contiguous(w), 1)

# Weight-only quantization. A quantized matrix is stored in the weight list with its scales at the same index of a
# parallel list (an empty tensor for matrices kept in the compute dtype):
#   int8: int8 [N,K] with one scale per output row [N] (symmetric, max |w| / 127)
#   int4: libtorch's packed int4 layout with scale_and_zeros [K/group, N, 2]; w = (q - 8) * scale + zero per group
def qlinear(self, x: Tensor, weight: Tensor, scales: Tensor, bias: Tensor, group: int) -> Tensor:
    if scales.numel() == 0:
        return self.linear(x, weight, bias)
    shape = x.size()
    x2 = torch.reshape(x, [-1, shape[-1]])                                     # the kernels take 2-D inputs
    if weight.dtype == $INT8:
        # libtorch has no CUDA int8 kernel, and its CPU one is written for few rows: for a GPU and for prefill
        # (64+ rows) dequantizing on the fly and using the compute dtype's matmul is faster
        if x.is_cuda or x2.size(0) >= 64:
            y = torch.linear(x2, torch.to(weight, x.dtype) * torch.unsqueeze(scales, 1))
        else:
            y = torch._weight_int8pack_mm(x2, weight, scales)
    elif x.is_cuda:
        y = torch._weight_int4pack_mm(x2, weight, group, scales)
    else:
        y = torch._weight_int4pack_mm_for_cpu(x2, weight, group, scales)
    out = shape[:-1]
    out.append(y.size(1))
    y = torch.reshape(y, out)
    if bias.numel() > 0:
        y = y + bias
    return y

def int4_probe(self) -> Tensor:
    # 128 rows of 64 4-bit values in which rows 16 apart differ
    rows = torch.unsqueeze(torch.arange(0, 128, dtype=$INT32), 1)
    cols = torch.unsqueeze(torch.arange(0, 64, dtype=$INT32), 0)
    return torch.remainder(rows * 3 + cols * 5 + torch.div(rows, 16, rounding_mode="floor"), 16)

def int4_pack_signature(self) -> int:
    # a checksum of libtorch's CPU packing of the probe: equal on CPUs (and builds) that pack the same way
    packed = torch.reshape(torch.to(torch._convert_weight_to_int4pack_for_cpu(self.int4_probe(), 2), $INT64), [-1])
    weights = torch.arange(1, packed.numel() + 1, dtype=$INT64)
    return int(torch.sum(packed * weights)) * 1000 + packed.numel()

def quantize_int8(self, w: Tensor) -> List[Tensor]:
    wf = torch.to(w, $FLOAT32)
    scale = torch.clamp(torch.amax(torch.abs(wf), [1]), 1e-8) / 127.0          # [N]
    q = torch.clamp(torch.round(wf / torch.unsqueeze(scale, 1)), -128.0, 127.0)
    return [torch.to(q, $INT8), torch.to(scale, w.dtype)]

def quantize_int4(self, w: Tensor, group: int) -> List[Tensor]:
    n = w.size(0)
    k = w.size(1)
    wf = torch.reshape(torch.to(w, $FLOAT32), [n, k // group, group])
    lo = torch.amin(wf, [2], True)                                             # [N,K/g,1]
    scale = torch.clamp((torch.amax(wf, [2], True) - lo) / 15.0, 1e-6)
    q = torch.to(torch.reshape(torch.clamp(torch.round((wf - lo) / scale), 0.0, 15.0), [n, k]), $INT32)
    zero = lo + scale * 8.0
    scale_and_zeros = torch.contiguous(torch.transpose(torch.cat([scale, zero], 2), 0, 1))  # [K/g,N,2]
    if w.is_cuda:
        nibbles = torch.to(torch.bitwise_or(torch.bitwise_left_shift(torch.slice(q, 1, 0, k, 2), 4),
                                            torch.slice(q, 1, 1, k, 2)), $UINT8)    # [N,K/2] uint8, high nibble first
        packed = torch._convert_weight_to_int4pack(nibbles, 8)
    else:
        packed = torch._convert_weight_to_int4pack_for_cpu(q, 2)
    return [packed, torch.to(scale_and_zeros, w.dtype)]

def no_scales(self, w: List[Tensor]) -> List[Tensor]:
    # a decoder's scale list: empty tensors in the compute dtype (the final norm's, never quantized)
    none = torch.empty([0], dtype=w[$DECODER_FINAL_NORM].dtype, device=w[$DECODER_FINAL_NORM].device)
    scales = [none]
    for i in range(len(w) - 1):
        scales.append(none)
    return scales

def quantize_decoder(self, w: List[Tensor], n_layers: int, bits: int, group: int, tied: bool) -> List[Tensor]:
    # Replaces the decoder's matrices in w, in place, and returns their scales. The embedding becomes int8 rows
    # (looked up and rescaled per token); the head is int8 (shared with a tied embedding) or int4.
    scales = self.no_scales(w)
    head = w[$DECODER_EMBEDDING] if tied else w[$DECODER_HEAD]
    emb = self.quantize_int8(w[$DECODER_EMBEDDING])
    w[$DECODER_EMBEDDING] = emb[0]
    scales[$DECODER_EMBEDDING] = emb[1]
    if bits == 8 and tied:
        h = emb
    elif bits == 8:
        h = self.quantize_int8(head)
    else:  # the int4 packing needs a multiple of 16 rows: zero rows pad the vocabulary (their logits are dropped)
        rows = head.size(0)
        padded = (rows + 15) // 16 * 16
        if padded != rows:
            head = torch.cat([head, torch.zeros([padded - rows, head.size(1)], dtype=head.dtype, device=head.device)], 0)
        h = self.quantize_int4(head, group)
    w[$DECODER_HEAD] = h[0]
    scales[$DECODER_HEAD] = h[1]
    for i in range(n_layers):
        b = $DECODER_WEIGHTS + $DECODER_LAYER_WEIGHTS * i
        for j in [$DECODER_LAYER_QKV_WEIGHT, $DECODER_LAYER_O_WEIGHT, $DECODER_LAYER_GATE_UP_WEIGHT, $DECODER_LAYER_DOWN_WEIGHT]:
            if bits == 8:
                q = self.quantize_int8(w[b + j])
            else:
                q = self.quantize_int4(w[b + j], group)
            w[b + j] = q[0]
            scales[b + j] = q[1]
    return scales

def tensor_bytes(self, ws: List[Tensor], skip: int) -> int:
    # resident bytes of the tensors except index skip (a tied head, which is the embedding's tensor)
    total = 0
    for i in range(len(ws)):
        if i != skip:
            total = total + ws[i].numel() * ws[i].element_size()
    return total

def packed_count(self, ws: List[Tensor]) -> int:
    n = 0
    for w in ws:
        if w.is_mkldnn:
            n = n + 1
    return n

def pack_probe(self) -> bool:
    # whether this libtorch packs a bf16 matrix and multiplies by it correctly (1*1 summed over 64 columns is 64)
    w = self.pack_matrix(torch.ones([16, 64], dtype=$BFLOAT16))
    y = self.linear(torch.ones([3, 64], dtype=$BFLOAT16), w, torch.empty([0]))
    return bool(torch.all(torch.eq(torch.to(y, $FLOAT32), 64.0))) and y.size(1) == 16
