#version 450
// SGD with momentum and weight decay, as PyTorch computes it:
// v = momentum*v + (g + decay*w), then w = w - lr*v. The learning rate comes
// from the state buffer that the host writes before each run.

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) buffer W { float w[]; };
layout(std430, binding = 1) readonly buffer G { float g[]; };
layout(std430, binding = 2) buffer V { float v[]; };
layout(std430, binding = 3) readonly buffer State {
    uint step;
    float lr;
} state;

layout(push_constant) uniform Params {
    uint n;
    float momentum;
    float decay;
} p;

void main() {
    float lr = state.lr;
    uint stride = gl_WorkGroupSize.x * gl_NumWorkGroups.x;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        float wi = w[i];
        float vi = p.momentum * v[i] + (g[i] + p.decay * wi);
        v[i] = vi;
        w[i] = wi - lr * vi;
    }
}
