#version 450
// Max pooling over K x K windows moved by S, no padding, output sizes
// rounded down: y[n, c, i, j] = max of x[n, c, i*S + p, j*S + q].
// Dispatch: one workgroup per (n, c) plane as (1, 1, N*C); its
// invocations loop over the output rows and columns.

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Params {
    uint NC;       // batch times channels
    uint H, W;
    uint OH, OW;
    uint K, S;
} p;

void main() {
    uint nc = gl_WorkGroupID.z;
    for (uint i = 0; i < p.OH; i++) {
        for (uint j = gl_LocalInvocationID.x; j < p.OW; j += gl_WorkGroupSize.x) {
            uint base = (nc * p.H + i * p.S) * p.W + j * p.S;
            float m = x[base];
            for (uint kp = 0; kp < p.K; kp++) {
                for (uint kq = 0; kq < p.K; kq++) {
                    m = max(m, x[base + kp * p.W + kq]);
                }
            }
            y[(nc * p.OH + i) * p.OW + j] = m;
        }
    }
}
