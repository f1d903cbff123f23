# Projector: pixel shuffle folds each fold x fold block of ViT patches into one token, then mlp1 =
# LayerNorm(eps 1e-5) -> Linear -> GELU -> Linear. Weights w: the slots of KernelLayout.ProjectorWeight.
def project(self, vit: Tensor, w: List[Tensor], grid: int, fold: int, v2: bool) -> Tensor:
    x = self.pixel_shuffle(torch.to(vit, w[$PROJECTOR_NORM_WEIGHT].device), grid, fold, v2)                                # [N,g/k,g/k,C*k*k]
    n = x.size(0)
    x = torch.reshape(x, [n, x.size(1) * x.size(2), x.size(3)])                # [N,256,4C]
    x = torch.layer_norm(x, [x.size(-1)], w[$PROJECTOR_NORM_WEIGHT], w[$PROJECTOR_NORM_BIAS], 1e-5)
    x = torch.gelu(torch.linear(x, w[$PROJECTOR_FC1_WEIGHT], w[$PROJECTOR_FC1_BIAS]))                                # [N,256,D]
    x = torch.linear(x, w[$PROJECTOR_FC2_WEIGHT], w[$PROJECTOR_FC2_BIAS])                                            # [N,256,D]
    return torch.reshape(x, [n * x.size(1), x.size(2)])                        # [N*256,D]

def pixel_shuffle(self, vit: Tensor, grid: int, fold: int, v2: bool) -> Tensor:
    # The reference view/permute sequence, step by step (it calls the dims N, W, H, C).
    n = vit.size(0)
    c = vit.size(2)
    x = torch.reshape(vit, [n, grid, grid, c])                                 # N, W, H, C
    x = torch.reshape(x, [n, grid, grid // fold, c * fold])                    # N, W, H/k, C*k
    x = torch.contiguous(torch.permute(x, [0, 2, 1, 3]))                       # N, H/k, W, C*k
    x = torch.reshape(x, [n, grid // fold, grid // fold, c * fold * fold])     # N, H/k, W/k, C*k*k
    if v2:
        x = torch.contiguous(torch.permute(x, [0, 2, 1, 3]))                   # v1 leaves rows and columns swapped
    return x
