#version 450
// out[o] = sum over n < N and s < S of in[n*strideN + o*S + s], for
// o < O: one workgroup per o. Each invocation sums a fixed strided subset
// and a shared-memory tree combines the partial sums, so the order of
// additions is the same on every run and every device. It computes the
// bias gradient of a convolution (S = OH*OW) or a fully connected layer
// (S = 1) and sums per-row loss statistics.

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer In { float src[]; };
layout(std430, binding = 1) writeonly buffer Out { float dst[]; };

layout(push_constant) uniform Params {
    uint N;
    uint O;
    uint S;
    uint strideN;
} p;

shared float partial[gl_WorkGroupSize.x];

void main() {
    uint o = gl_WorkGroupID.x;
    uint t = gl_LocalInvocationID.x;
    uint total = p.N * p.S;
    float sum = 0.0;
    for (uint k = t; k < total; k += gl_WorkGroupSize.x) {
        uint n = k / p.S;
        uint s = k - n * p.S;
        sum += src[n * p.strideN + o * p.S + s];
    }
    partial[t] = sum;
    barrier();
    // The workgroup size is a power of two (checked on the host).
    for (uint half_ = gl_WorkGroupSize.x / 2; half_ > 0; half_ /= 2) {
        if (t < half_) {
            partial[t] += partial[t + half_];
        }
        barrier();
    }
    if (t == 0 && o < p.O) {
        dst[o] = partial[0];
    }
}
