#version 450
// Batch-normalization output for x viewed as [N, C, S]:
// y = gamma[c] * (x - mean[c]) * invstd[c] + beta[c]. In training, mean and
// scale are the saved batch mean and 1/sqrt(σ²+eps); in evaluation
// (FROM_VARIANCE) they are the running mean and variance, and invstd is
// computed here as 1/sqrt(var + eps). Dispatch: (1, C, N), invocations
// loop over s.

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool FROM_VARIANCE = false;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Gamma { float gamma[]; };
layout(std430, binding = 2) readonly buffer Beta { float beta[]; };
layout(std430, binding = 3) readonly buffer Mean { float mean[]; };
layout(std430, binding = 4) readonly buffer Scale { float scale[]; };
layout(std430, binding = 5) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Params {
    uint N, C, S;
    float eps;
} p;

void main() {
    uint c = gl_WorkGroupID.y;
    uint n = gl_WorkGroupID.z;
    float invstd = FROM_VARIANCE ? 1.0 / sqrt(scale[c] + p.eps) : scale[c];
    float a = gamma[c] * invstd;
    float b = beta[c] - mean[c] * a;
    uint base = (n * p.C + c) * p.S;
    for (uint s = gl_LocalInvocationID.x; s < p.S; s += gl_WorkGroupSize.x) {
        y[base + s] = fma(x[base + s], a, b);
    }
}
