#version 450
// y[n, o] = b[o] for n < N, o < O: the bias a fully connected layer's
// matrix product then accumulates into.

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer B { float b[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Params {
    uint N;
    uint O;
} p;

void main() {
    uint total = p.N * p.O;
    uint stride = gl_WorkGroupSize.x * gl_NumWorkGroups.x;
    for (uint idx = gl_GlobalInvocationID.x; idx < total; idx += stride) {
        y[idx] = b[idx % p.O];
    }
}
