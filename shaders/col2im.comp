#version 450
// col2im, the adjoint of im2col, written as a gather so that no two
// invocations write the same element: dx[n0+n, c, h, w] = sum over (p, q)
// of dcol[(c*K + p)*K + q, n*OH*OW + i*OW + j] for every output position
// (i, j) whose window covers (h, w), that is i*S + p - P = h and
// j*S + q - P = w. The sum runs in a fixed order, so results are
// reproducible.
//
// Dispatch: one workgroup per (n, c) as (1, nc, C); its invocations loop
// over the rows h and, a workgroup apart, the columns w.

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer DCol { float dcol[]; };
layout(std430, binding = 1) writeonly buffer DX { float dx[]; };

layout(push_constant) uniform Params {
    uint C, H, W;
    uint K, S, P;
    uint OH, OW;
    uint nc;
    uint n0;
} p;

void main() {
    uint n = gl_WorkGroupID.y;
    uint c = gl_WorkGroupID.z;
    uint cols = p.nc * p.OH * p.OW;
    uint dxBase = ((p.n0 + n) * p.C + c) * p.H * p.W;

    for (uint h = 0; h < p.H; h++) {
        for (uint w = gl_LocalInvocationID.x; w < p.W; w += gl_WorkGroupSize.x) {
            float sum = 0.0;
            for (uint kp = 0; kp < p.K; kp++) {
                int hi = int(h + p.P) - int(kp);
                if (hi < 0 || uint(hi) % p.S != 0 || uint(hi) / p.S >= p.OH) {
                    continue;
                }
                uint i = uint(hi) / p.S;
                uint rowBase = ((c * p.K + kp) * p.K) * cols + (n * p.OH + i) * p.OW;
                for (uint kq = 0; kq < p.K; kq++) {
                    int wj = int(w + p.P) - int(kq);
                    // Stride 1, the common case, needs no per-invocation division.
                    bool hit;
                    uint j;
                    if (p.S == 1) {
                        j = uint(wj);
                        hit = wj >= 0 && j < p.OW;
                    } else {
                        j = uint(wj) / p.S;
                        hit = wj >= 0 && uint(wj) % p.S == 0 && j < p.OW;
                    }
                    if (hit) {
                        sum += dcol[rowBase + kq * cols + j];
                    }
                }
            }
            dx[dxBase + h * p.W + w] = sum;
        }
    }
}
