#version 450
// Moves a convolution's matrix-product output Y' [O, nc*S] (channel-major,
// S = OH*OW) into NCHW y for samples n0 .. n0+nc-1, adding the bias:
// y[n0+n, o, s] = Y'[o, n*S + s] + b[o]. Dispatch: (1, O, nc)
// workgroups whose invocations loop over s.

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer YP { float yp[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };

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
        y[((p.n0 + n) * p.O + o) * p.S + s] = yp[o * (p.nc * p.S) + n * p.S + s] + b[o];
    }
}
