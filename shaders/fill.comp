#version 450
// fill: y[offset + i] = value for i in [0, n).
// A grid-stride loop covers any n with a capped workgroup count.

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Params {
    uint n;
    uint offset;
    float value;
} p;

void main() {
    uint stride = gl_WorkGroupSize.x * gl_NumWorkGroups.x;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        y[p.offset + i] = p.value;
    }
}
