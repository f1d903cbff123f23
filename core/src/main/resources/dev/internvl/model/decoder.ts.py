# Decoder (Qwen2 layout; InternLM2, Phi-3 and Llama map their checkpoints onto it at load time).
# Weights w: the slots of KernelLayout.DecoderWeight, then those of DecoderLayerWeight for each layer; s: the scales
# of quantized matrices at the same indices (empty tensors for matrices in the compute dtype; see qlinear in
# weights.ts.py); the embedding may be int8 rows. dims and factors: the model's DecoderDim and DecoderFactor values,
# bound once at load.
# RoPE: each step brings each row's rotary frequencies, inv_freq [B,hd/2] fp32 (the family's rope_scaling is
# computed on the Java side, RopeScaling); factors hold the cos/sin multiplier (1 except for Phi-3's longrope).
# The KV cache is 2 tensors per layer, [S,KV,capacity,hd] for S sequence slots; a step continues the B slots
# first_row..first_row+B-1, each from its own length (continuous batching: sequences of different lengths share a step).
def new_cache(self, batch: int, n_kv: int, max_len: int, head_dim: int, dtype: int,
              layer_devices: str) -> List[Tensor]:
    # keys and values of layer i live on that layer's device (layer_devices: comma-separated, one per layer)
    devices = layer_devices.split(",")
    shape = [batch, n_kv, max_len, head_dim]
    cache = [torch.zeros(shape, dtype=dtype, device=torch.device(devices[0]))]
    cache.append(torch.zeros(shape, dtype=dtype, device=torch.device(devices[0])))
    for i in range(1, len(devices)):
        cache.append(torch.zeros(shape, dtype=dtype, device=torch.device(devices[i])))
        cache.append(torch.zeros(shape, dtype=dtype, device=torch.device(devices[i])))
    return cache

def grow_cache(self, cache: List[Tensor], batch: int, max_len: int) -> List[Tensor]:
    # a larger cache ([batch,KV,max_len,hd], each at least the old size) holding the old one's contents
    grown = [self.grown(cache[0], batch, max_len)]
    for i in range(1, len(cache)):
        grown.append(self.grown(cache[i], batch, max_len))
    return grown

def grown(self, old: Tensor, batch: int, max_len: int) -> Tensor:
    new = torch.zeros([batch, old.size(1), max_len, old.size(3)], dtype=old.dtype, device=old.device)
    torch.copy_(torch.narrow(torch.narrow(new, 0, 0, old.size(0)), 2, 0, old.size(2)), old)
    return new

def decoder_forward(self, step: Tuple[Tensor, Tensor, int, List[int], int, int, int, Tensor], cache: List[Tensor],
                    w: List[Tensor], s: List[Tensor], dims: List[int], factors: List[float]) -> Tensor:
    # The step (Decoder.Step): ids [B,T] continue cache slots first_row..first_row+B-1; image_embeds [M,D] replace,
    # in order, the M positions where ids == image_token; starts [B] = positions each slot already holds (row b
    # writes starts[b]..+T-1), same_start = that position when all rows share it (a prompt), else -1 (continuous
    # batching); total = max(starts)+T, the key length attended over; inv_freq [B,hd/2] = each row's rotary
    # frequencies. Returns fp32 logits of the last position, [B,V].
    ids, image_embeds, image_token, starts, same_start, first_row, total, inv_freq = step
    n_layers = dims[$DECODER_DIM_LAYERS]
    n_heads = dims[$DECODER_DIM_HEADS]
    n_kv = dims[$DECODER_DIM_KV_HEADS]
    head_dim = dims[$DECODER_DIM_HEAD_DIM]
    group = dims[$DECODER_DIM_QUANT_GROUP]
    eps = factors[$DECODER_FACTOR_NORM_EPS]
    dev = w[$DECODER_EMBEDDING].device
    ids = torch.to(ids, dev)
    bsz = ids.size(0)
    t = ids.size(1)
    x = torch.embedding(w[$DECODER_EMBEDDING], ids)                            # [B,T,D]
    if s[$DECODER_EMBEDDING].numel() > 0:  # int8 rows and their scales
        x = torch.to(x, s[$DECODER_EMBEDDING].dtype) * torch.embedding(torch.unsqueeze(s[$DECODER_EMBEDDING], 1), ids)
    if image_embeds.size(0) > 0:
        d = x.size(2)
        where = torch.select(torch.nonzero(torch.reshape(torch.eq(ids, image_token), [-1])), 1, 0)
        flat = torch.index_copy(torch.reshape(x, [bsz * t, d]), 0, where, torch.to(image_embeds, dev, x.dtype))
        x = torch.reshape(flat, [bsz, t, d])
    start = torch.reshape(torch.tensor(starts, dtype=$INT64, device=dev), [bsz, 1])
    qpos = start + torch.reshape(torch.arange(0, t, dtype=$INT64, device=dev), [1, t])  # [B,T] absolute positions
    kpos = torch.reshape(torch.arange(0, total, dtype=$INT64, device=dev), [1, 1, total])
    visible = torch.le(kpos, torch.reshape(qpos, [bsz, t, 1]))                 # [B,T,L] causal
    # grouped-query attention without repeating K/V: the g query heads of a KV head become g*T query rows,
    # so the mask repeats g times along the query axis (computed once for all layers)
    g = n_heads // n_kv
    mask = torch.expand(torch.reshape(visible, [bsz, 1, 1, t, total]), [bsz, 1, g, t, total])
    mask = torch.reshape(mask, [bsz, 1, g * t, total])                         # [B,1,g*T,L]
    rope = self.rope_tables(qpos, inv_freq, factors[$DECODER_FACTOR_ROPE_SCALE], x.dtype)  # cos, sin [B,1,T,hd]
    for i in range(n_layers):
        b = $DECODER_WEIGHTS + $DECODER_LAYER_WEIGHTS * i
        if x.device != w[b].device:  # a device-map boundary: the hidden state, mask and rotary tables follow
            x = torch.to(x, w[b].device)
            mask = torch.to(mask, w[b].device)
            rope = [torch.to(rope[0], w[b].device), torch.to(rope[1], w[b].device)]
        h = self.rms(x, w[b + $DECODER_LAYER_INPUT_NORM], eps)
        x = x + self.self_attention(h, w[b + $DECODER_LAYER_QKV_WEIGHT], s[b + $DECODER_LAYER_QKV_WEIGHT],
                                    w[b + $DECODER_LAYER_QKV_BIAS], w[b + $DECODER_LAYER_O_WEIGHT],
                                    s[b + $DECODER_LAYER_O_WEIGHT], group, rope[0], rope[1], mask, cache[2 * i],
                                    cache[2 * i + 1], same_start, starts, first_row, total, n_heads, n_kv, head_dim)
        h = self.rms(x, w[b + $DECODER_LAYER_POST_NORM], eps)
        x = x + self.mlp(h, w[b + $DECODER_LAYER_GATE_UP_WEIGHT], s[b + $DECODER_LAYER_GATE_UP_WEIGHT],
                         w[b + $DECODER_LAYER_DOWN_WEIGHT], s[b + $DECODER_LAYER_DOWN_WEIGHT], group)
    norm = w[$DECODER_FINAL_NORM]
    x = self.rms(torch.to(torch.select(x, 1, t - 1), norm.device), norm, eps)  # [B,D] last position
    logits = self.qlinear(x, w[$DECODER_HEAD], s[$DECODER_HEAD], torch.empty([0]), group)  # [B,V'] (int4 pads V to 16)
    vocab = w[$DECODER_EMBEDDING].size(0)
    return torch.to(torch.narrow(logits, 1, 0, vocab), torch.device("cpu"), $FLOAT32)  # [B,V] fp32 on the CPU

def self_attention(self, x: Tensor, qkv_w: Tensor, qkv_s: Tensor, qkv_b: Tensor, o_w: Tensor, o_s: Tensor,
                   group: int, cos: Tensor, sin: Tensor, mask: Tensor, cache_k: Tensor, cache_v: Tensor,
                   same_start: int, starts: List[int], first_row: int, total: int, n_heads: int, n_kv: int,
                   hd: int) -> Tensor:
    bsz = x.size(0)
    t = x.size(1)
    g = n_heads // n_kv
    qkv = self.qlinear(x, qkv_w, qkv_s, qkv_b, group)                          # [B,T,(H+2KV)*hd]
    parts = torch.split_with_sizes(qkv, [n_heads * hd, n_kv * hd, n_kv * hd], -1)
    q = torch.transpose(torch.reshape(parts[0], [bsz, t, n_heads, hd]), 1, 2)  # [B,H,T,hd]
    k = torch.transpose(torch.reshape(parts[1], [bsz, t, n_kv, hd]), 1, 2)     # [B,KV,T,hd]
    v = torch.transpose(torch.reshape(parts[2], [bsz, t, n_kv, hd]), 1, 2)     # [B,KV,T,hd]
    q = self.apply_rope(q, cos, sin)
    k = self.apply_rope(k, cos, sin)
    if same_start >= 0:  # one block of positions for all rows
        torch.copy_(torch.narrow(torch.narrow(cache_k, 0, first_row, bsz), 2, same_start, t), k)
        torch.copy_(torch.narrow(torch.narrow(cache_v, 0, first_row, bsz), 2, same_start, t), v)
    else:  # each row at its own position
        for r in range(bsz):
            torch.copy_(torch.narrow(torch.select(cache_k, 0, first_row + r), 1, starts[r], t), torch.select(k, 0, r))
            torch.copy_(torch.narrow(torch.select(cache_v, 0, first_row + r), 1, starts[r], t), torch.select(v, 0, r))
    keys = torch.narrow(torch.narrow(cache_k, 0, first_row, bsz), 2, 0, total)  # [B,KV,L,hd]
    values = torch.narrow(torch.narrow(cache_v, 0, first_row, bsz), 2, 0, total)
    qg = torch.reshape(q, [bsz, n_kv, g * t, hd])                              # [B,KV,g*T,hd] grouped queries
    o = torch.scaled_dot_product_attention(qg, keys, values, mask)             # [B,KV,g*T,hd]
    o = torch.reshape(torch.transpose(torch.reshape(o, [bsz, n_heads, t, hd]), 1, 2), [bsz, t, n_heads * hd])
    return self.qlinear(o, o_w, o_s, torch.empty([0]), group)                  # [B,T,D]

def rope_tables(self, positions: Tensor, inv_freq: Tensor, scale: float, dtype: int) -> List[Tensor]:
    # The reference computes the rotary angles in fp32, scales cos/sin in fp32 (longrope's attention factor),
    # then casts them to the activation dtype. positions [B,T]; inv_freq [B,hd/2], a row each.
    inv = torch.unsqueeze(torch.to(inv_freq, positions.device, $FLOAT32), 1)   # [B,1,hd/2]
    freqs = torch.unsqueeze(torch.to(positions, $FLOAT32), -1) * inv           # [B,T,hd/2]
    emb = torch.cat([freqs, freqs], -1)                                        # [B,T,hd]
    cos = torch.cos(emb)
    sin = torch.sin(emb)
    if scale != 1.0:
        cos = cos * scale
        sin = sin * scale
    cos = torch.unsqueeze(torch.to(cos, dtype), 1)                             # [B,1,T,hd] broadcast over heads
    sin = torch.unsqueeze(torch.to(sin, dtype), 1)
    return [cos, sin]

def apply_rope(self, x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    half = x.size(-1) // 2
    rotated = torch.cat([torch.neg(torch.narrow(x, -1, half, half)), torch.narrow(x, -1, 0, half)], -1)
    return x * cos + rotated * sin                                             # [B,H,T,hd]

def mlp(self, x: Tensor, gate_up_w: Tensor, gate_up_s: Tensor, down_w: Tensor, down_s: Tensor, group: int) -> Tensor:
    no_bias = torch.empty([0])
    gu = torch.chunk(self.qlinear(x, gate_up_w, gate_up_s, no_bias, group), 2, -1)  # gate, up [B,T,I]
    return self.qlinear(torch.silu(gu[0]) * gu[1], down_w, down_s, no_bias, group)  # [B,T,D]
