#version 450
// Batch-normalization parameter gradients of one channel per workgroup,
// for x and dy viewed as [N, C, S]: dbeta = Σ dy and dgamma = Σ dy * x̂
// with x̂ = (x - mean) * invstd. Fixed-order tree reduction, as in bn_stats.

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) readonly buffer SaveMean { float saveMean[]; };
layout(std430, binding = 3) readonly buffer SaveInvStd { float saveInvStd[]; };
layout(std430, binding = 4) writeonly buffer DGamma { float dgamma[]; };
layout(std430, binding = 5) writeonly buffer DBeta { float dbeta[]; };

layout(push_constant) uniform Params {
    uint N, C, S;
} p;

shared float partialBeta[gl_WorkGroupSize.x];
shared float partialGamma[gl_WorkGroupSize.x];

void main() {
    uint c = gl_WorkGroupID.x;
    uint t = gl_LocalInvocationID.x;
    uint m = p.N * p.S;
    float mean = saveMean[c];
    float invstd = saveInvStd[c];

    float sumDy = 0.0;
    float sumDyXhat = 0.0;
    for (uint k = t; k < m; k += gl_WorkGroupSize.x) {
        uint n = k / p.S;
        uint s = k - n * p.S;
        uint i = (n * p.C + c) * p.S + s;
        float g = dy[i];
        sumDy += g;
        sumDyXhat += g * (x[i] - mean) * invstd;
    }
    partialBeta[t] = sumDy;
    partialGamma[t] = sumDyXhat;
    barrier();
    // The workgroup size is a power of two (checked on the host).
    for (uint half_ = gl_WorkGroupSize.x / 2; half_ > 0; half_ /= 2) {
        if (t < half_) {
            partialBeta[t] += partialBeta[t + half_];
            partialGamma[t] += partialGamma[t + half_];
        }
        barrier();
    }
    if (t == 0) {
        dbeta[c] = partialBeta[0];
        dgamma[c] = partialGamma[0];
    }
}
