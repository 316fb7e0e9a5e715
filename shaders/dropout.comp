#version 450
// Inverted dropout, forward and backward alike: y[i] = x[i] / (1 - P) if
// keep(seed, layer, step, i), else 0. keep hashes its inputs with a chain
// of lowbias32 (Chris Wellons, nullprogram.com/blog/2018/07/31) and keeps
// element i when the top 24 bits, as a fraction, are at least P. The Go
// copy is layers.DropoutKeep; both must stay identical. The step comes from
// the state buffer that the host writes before each run.

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(std430, binding = 2) readonly buffer State {
    uint step;
    float lr;
} state;

layout(push_constant) uniform Params {
    uint n;
    uint seed;
    uint layer;
    float P;
} p;

uint lowbias32(uint v) {
    v ^= v >> 16;
    v *= 0x7feb352du;
    v ^= v >> 15;
    v *= 0x846ca68bu;
    v ^= v >> 16;
    return v;
}

void main() {
    uint h0 = lowbias32(p.seed ^ 0x9e3779b9u);
    h0 = lowbias32(h0 ^ p.layer);
    h0 = lowbias32(h0 ^ state.step);
    float scale = 1.0 / (1.0 - p.P);
    uint stride = gl_WorkGroupSize.x * gl_NumWorkGroups.x;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        float u = float(lowbias32(h0 ^ i) >> 8) * (1.0 / 16777216.0);
        y[i] = u >= p.P ? x[i] * scale : 0.0;
    }
}
