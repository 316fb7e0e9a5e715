#version 450
// im2col for a chunk of samples: col[r, n*OH*OW + i*OW + j] =
// x[n0+n, c, i*S+p-P, j*S+q-P] with r = (c*K + p)*K + q, and 0 where the
// input index falls in the zero padding. col is [C*K*K, nc*OH*OW], so one
// matrix product with the [O, C*K*K] filter convolves the whole chunk.
//
// Dispatch: one workgroup per (n, r) as (1, nc, C*K*K); its invocations
// loop over the output rows i and, a workgroup apart, the columns j.
// Everything but j is uniform across the workgroup, and each workgroup
// does enough work to repay its start-up cost on CPU drivers.

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Col { float col[]; };

layout(push_constant) uniform Params {
    uint C, H, W;
    uint K, S, P;
    uint OH, OW;
    uint nc;       // samples in this chunk
    uint n0;       // first sample of the chunk
} p;

void main() {
    uint n = gl_WorkGroupID.y;
    uint r = gl_WorkGroupID.z;
    uint c = r / (p.K * p.K);
    uint pq = r - c * p.K * p.K;
    uint kp = pq / p.K;
    uint kq = pq - kp * p.K;
    uint xBase = (p.n0 + n) * p.C * p.H * p.W + c * p.H * p.W;
    uint colBase = r * (p.nc * p.OH * p.OW) + n * p.OH * p.OW;

    for (uint i = 0; i < p.OH; i++) {
        int h = int(i * p.S + kp) - int(p.P);
        bool rowInside = h >= 0 && h < int(p.H);
        for (uint j = gl_LocalInvocationID.x; j < p.OW; j += gl_WorkGroupSize.x) {
            int w = int(j * p.S + kq) - int(p.P);
            float v = 0.0;
            if (rowInside && w >= 0 && w < int(p.W)) {
                v = x[xBase + uint(h) * p.W + uint(w)];
            }
            col[colBase + i * p.OW + j] = v;
        }
    }
}
