#version 450
// axpy: y[offY + i] = alpha * x[offX + i] + y[offY + i] for i in [0, n).

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) buffer Y { float y[]; };

layout(push_constant) uniform Params {
    uint n;
    uint offX;
    uint offY;
    float alpha;
} p;

void main() {
    uint stride = gl_WorkGroupSize.x * gl_NumWorkGroups.x;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        y[p.offY + i] = fma(p.alpha, x[p.offX + i], y[p.offY + i]);
    }
}
