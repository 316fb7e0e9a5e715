#version 450
// Batch-normalization input gradient in training mode, for x and dy viewed
// as [N, C, S] with m = N*S: dx = gamma*invstd/m * (m*dy - dbeta - x̂*dgamma)
// with x̂ = (x - mean) * invstd. Dispatch: (1, C, N), invocations loop
// over s.

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) readonly buffer Gamma { float gamma[]; };
layout(std430, binding = 3) readonly buffer SaveMean { float saveMean[]; };
layout(std430, binding = 4) readonly buffer SaveInvStd { float saveInvStd[]; };
layout(std430, binding = 5) readonly buffer DGamma { float dgamma[]; };
layout(std430, binding = 6) readonly buffer DBeta { float dbeta[]; };
layout(std430, binding = 7) writeonly buffer DX { float dx[]; };

layout(push_constant) uniform Params {
    uint N, C, S;
} p;

void main() {
    uint c = gl_WorkGroupID.y;
    uint n = gl_WorkGroupID.z;
    float m = float(p.N * p.S);
    float mean = saveMean[c];
    float invstd = saveInvStd[c];
    float k = gamma[c] * invstd / m;
    float db = dbeta[c];
    float dg = dgamma[c];
    uint base = (n * p.C + c) * p.S;
    for (uint s = gl_LocalInvocationID.x; s < p.S; s += gl_WorkGroupSize.x) {
        float xhat = (x[base + s] - mean) * invstd;
        dx[base + s] = k * (m * dy[base + s] - db - xhat * dg);
    }
}
