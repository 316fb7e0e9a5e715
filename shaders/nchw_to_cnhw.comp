#version 450
// Gathers the NCHW gradient dy of samples n0 .. n0+nc-1 into channel-major
// dY' [O, nc*S] (S = OH*OW): dY'[o, n*S + s] = dy[n0+n, o, s], the layout
// the convolution's backward matrix products take. Dispatch: (1, O, nc)
// workgroups whose invocations loop over s.

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 1) writeonly buffer DYP { float dyp[]; };

layout(push_constant) uniform Params {
    uint O;
    uint S;
    uint nc;
    uint n0;
} p;

void main() {
    uint o = gl_WorkGroupID.y;
    uint n = gl_WorkGroupID.z;
    for (uint s = gl_LocalInvocationID.x; s < p.S; s += gl_WorkGroupSize.x) {
        dyp[o * (p.nc * p.S) + n * p.S + s] = dy[((p.n0 + n) * p.O + o) * p.S + s];
    }
}
