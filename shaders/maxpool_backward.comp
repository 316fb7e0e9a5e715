#version 450
// Max pooling backward for windows that do not overlap (S >= K), as a
// gather: each input element finds the one window that covers it (if
// any), and takes that window's gradient if it is the window's first
// element (row-major) equal to the maximum y, as PyTorch routes it.
// Dispatch: one workgroup per (n, c) plane as (1, 1, N*C); its
// invocations loop over the input rows and columns.

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Y { float y[]; };
layout(std430, binding = 2) readonly buffer DY { float dy[]; };
layout(std430, binding = 3) writeonly buffer DX { float dx[]; };

layout(push_constant) uniform Params {
    uint NC;
    uint H, W;
    uint OH, OW;
    uint K, S;
} p;

void main() {
    uint nc = gl_WorkGroupID.z;
    for (uint h = 0; h < p.H; h++) {
        uint i = h / p.S;
        for (uint w = gl_LocalInvocationID.x; w < p.W; w += gl_WorkGroupSize.x) {
            uint idx = (nc * p.H + h) * p.W + w;
            uint j = w / p.S;
            float g = 0.0;
            if (i < p.OH && j < p.OW && h - i * p.S < p.K && w - j * p.S < p.K) {
                uint out_ = (nc * p.OH + i) * p.OW + j;
                float m = y[out_];
                uint base = (nc * p.H + i * p.S) * p.W + j * p.S;
                // The first element of the window equal to the maximum.
                uint first = 0xFFFFFFFFu;
                for (uint kp = 0; kp < p.K && first == 0xFFFFFFFFu; kp++) {
                    for (uint kq = 0; kq < p.K; kq++) {
                        if (x[base + kp * p.W + kq] == m) {
                            first = base + kp * p.W + kq;
                            break;
                        }
                    }
                }
                if (first == idx) {
                    g = dy[out_];
                }
            }
            dx[idx] = g;
        }
    }
}
