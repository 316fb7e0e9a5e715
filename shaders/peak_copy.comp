#version 450
// peak_copy: dst[i] = src[i] for the n vec4 elements of two buffers.
// A grid-stride loop covers any n with a capped workgroup count, and
// consecutive invocations touch consecutive 16-byte elements.

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Src { vec4 src[]; };
layout(std430, binding = 1) writeonly buffer Dst { vec4 dst[]; };

layout(push_constant) uniform Params {
    uint n;
} p;

void main() {
    uint stride = gl_WorkGroupSize.x * gl_NumWorkGroups.x;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        dst[i] = src[i];
    }
}
