#version 450
// Batch-normalization statistics of one channel per workgroup, for x
// viewed as [N, C, S] (S = H*W, or 1 for features): with m = N*S, the mean
// μ and the biased variance σ² = Σ(x-μ)²/m in two passes, saved as μ and
// 1/sqrt(σ²+eps), and the running statistics updated as PyTorch does:
// runMean = (1-momentum)*runMean + momentum*μ and
// runVar = (1-momentum)*runVar + momentum*σ²*m/(m-1).
// Each invocation sums a fixed strided subset and a shared-memory tree
// combines them, so the order of additions never changes.

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) buffer RunMean { float runMean[]; };
layout(std430, binding = 2) buffer RunVar { float runVar[]; };
layout(std430, binding = 3) writeonly buffer SaveMean { float saveMean[]; };
layout(std430, binding = 4) writeonly buffer SaveInvStd { float saveInvStd[]; };

layout(push_constant) uniform Params {
    uint N, C, S;
    float eps;
    float momentum;
} p;

shared float partial[gl_WorkGroupSize.x];

// reduce returns the workgroup's sum of v; the size is a power of two.
float reduce(float v) {
    uint t = gl_LocalInvocationID.x;
    partial[t] = v;
    barrier();
    for (uint half_ = gl_WorkGroupSize.x / 2; half_ > 0; half_ /= 2) {
        if (t < half_) {
            partial[t] += partial[t + half_];
        }
        barrier();
    }
    float total = partial[0];
    barrier();
    return total;
}

void main() {
    uint c = gl_WorkGroupID.x;
    uint t = gl_LocalInvocationID.x;
    uint m = p.N * p.S;

    float sum = 0.0;
    for (uint k = t; k < m; k += gl_WorkGroupSize.x) {
        uint n = k / p.S;
        uint s = k - n * p.S;
        sum += x[(n * p.C + c) * p.S + s];
    }
    float mean = reduce(sum) / float(m);

    float sq = 0.0;
    for (uint k = t; k < m; k += gl_WorkGroupSize.x) {
        uint n = k / p.S;
        uint s = k - n * p.S;
        float d = x[(n * p.C + c) * p.S + s] - mean;
        sq += d * d;
    }
    float variance = reduce(sq) / float(m);

    if (t == 0) {
        saveMean[c] = mean;
        saveInvStd[c] = 1.0 / sqrt(variance + p.eps);
        float unbiased = variance * float(m) / float(m - 1);
        runMean[c] = (1.0 - p.momentum) * runMean[c] + p.momentum * mean;
        runVar[c] = (1.0 - p.momentum) * runVar[c] + p.momentum * unbiased;
    }
}
