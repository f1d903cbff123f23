# InternViT: patch embedding + CLS + position embedding, then pre-norm layers with layer scale.
# Weights w: the slots of KernelLayout.VisionWeight, then those of VisionLayerWeight for each layer
# (absent biases / qk-norm weights are empty tensors).
def vision_forward(self, pixels: Tensor, w: List[Tensor], n_layers: int, n_heads: int, rms_norm: bool,
                   qk_norm: bool, eps: float, patch: int, pos_grid: int, dtype: int) -> Tensor:
    x = self.vision_embed(pixels, w, patch, pos_grid, dtype)                  # [N,T,C]
    x = self.vision_layers(x, w, 0, n_layers, n_heads, rms_norm, qk_norm, eps)
    return torch.slice(x, 1, 1)                                                # [N,g*g,C] without CLS

# The same in parts, so that a server can interleave a few layers at a time with other work:
# vision_embed, then vision_layers over consecutive ranges, then drop the CLS row.
def vision_embed(self, pixels: Tensor, w: List[Tensor], patch: int, pos_grid: int, dtype: int) -> Tensor:
    x = torch.to(pixels, w[$VISION_PATCH_WEIGHT].device, dtype)                                   # [N,3,S,S]
    x = torch.conv2d(x, w[$VISION_PATCH_WEIGHT], w[$VISION_PATCH_BIAS], [patch, patch])                            # [N,C,g,g]
    n = x.size(0)
    c = x.size(1)
    gh = x.size(2)
    gw = x.size(3)
    x = torch.transpose(torch.flatten(x, 2), 1, 2)                             # [N,g*g,C]
    pos = w[$VISION_POSITION_EMBEDDING]                                        # [1,1+G*G,C]
    if gh != pos_grid or gw != pos_grid:
        grid = torch.to(torch.slice(pos, 1, 1), $FLOAT32)
        grid = torch.permute(torch.reshape(grid, [1, pos_grid, pos_grid, c]), [0, 3, 1, 2])
        grid = torch.upsample_bicubic2d(grid, [gh, gw], False)                # [1,C,gh,gw]
        grid = torch.permute(torch.reshape(grid, [1, c, gh * gw]), [0, 2, 1])
        pos = torch.cat([torch.slice(pos, 1, 0, 1), torch.to(grid, pos.dtype)], 1)
    cls = torch.expand(torch.to(w[$VISION_CLASS_EMBEDDING], dtype), [n, 1, c])                       # [N,1,C]
    return torch.cat([cls, x], 1) + torch.to(pos, dtype)                       # [N,T=1+g*g,C]

def vision_layers(self, x: Tensor, w: List[Tensor], first: int, last: int, n_heads: int, rms_norm: bool,
                  qk_norm: bool, eps: float) -> Tensor:
    for i in range(first, last):                                               # layers first..last-1
        b = $VISION_WEIGHTS + $VISION_LAYER_WEIGHTS * i
        h = self.vit_norm(x, w[b + $VISION_LAYER_NORM1_WEIGHT], w[b + $VISION_LAYER_NORM1_BIAS], rms_norm, eps)
        h = self.vit_attention(h, w[b + $VISION_LAYER_QKV_WEIGHT], w[b + $VISION_LAYER_QKV_BIAS],
                               w[b + $VISION_LAYER_Q_NORM], w[b + $VISION_LAYER_K_NORM], w[b + $VISION_LAYER_PROJ_WEIGHT],
                               w[b + $VISION_LAYER_PROJ_BIAS], n_heads, qk_norm, eps)
        x = x + h * w[b + $VISION_LAYER_LS1]                                   # layer scale ls1
        h = self.vit_norm(x, w[b + $VISION_LAYER_NORM2_WEIGHT], w[b + $VISION_LAYER_NORM2_BIAS], rms_norm, eps)
        h = torch.gelu(self.linear(h, w[b + $VISION_LAYER_FC1_WEIGHT], w[b + $VISION_LAYER_FC1_BIAS]))  # [N,T,I] erf GELU
        x = x + self.linear(h, w[b + $VISION_LAYER_FC2_WEIGHT], w[b + $VISION_LAYER_FC2_BIAS]) * w[b + $VISION_LAYER_LS2]
    return x

def drop_cls(self, x: Tensor) -> Tensor:
    return torch.slice(x, 1, 1)                                                # [N,g*g,C]

def vit_norm(self, x: Tensor, weight: Tensor, bias: Tensor, rms_norm: bool, eps: float) -> Tensor:
    if rms_norm:
        return self.rms(x, weight, eps)
    return torch.layer_norm(x, [x.size(-1)], weight, bias, eps)

def vit_attention(self, x: Tensor, qkv_w: Tensor, qkv_b: Tensor, q_norm: Tensor, k_norm: Tensor, proj_w: Tensor,
                  proj_b: Tensor, n_heads: int, qk_norm: bool, eps: float) -> Tensor:
    n = x.size(0)
    t = x.size(1)
    c = x.size(2)
    d = c // n_heads
    qkv = self.linear(x, qkv_w, qkv_b)                                         # [N,T,3C]
    qkv = torch.permute(torch.reshape(qkv, [n, t, 3, n_heads, d]), [2, 0, 3, 1, 4])
    parts = torch.unbind(qkv, 0)
    q = parts[0]                                                               # [N,H,T,d]
    k = parts[1]
    v = parts[2]
    if qk_norm:  # RMSNorm over the whole C vector (all heads together), as InternViT-6B does
        q = torch.transpose(torch.reshape(self.rms(torch.reshape(torch.transpose(q, 1, 2), [n, t, c]), q_norm, eps), [n, t, n_heads, d]), 1, 2)
        k = torch.transpose(torch.reshape(self.rms(torch.reshape(torch.transpose(k, 1, 2), [n, t, c]), k_norm, eps), [n, t, n_heads, d]), 1, 2)
    o = torch.scaled_dot_product_attention(q, k, v)                            # [N,H,T,d]
    o = torch.reshape(torch.transpose(o, 1, 2), [n, t, c])
    return self.linear(o, proj_w, proj_b)                                      # [N,T,C]
