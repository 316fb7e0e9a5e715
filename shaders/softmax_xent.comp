#version 450
// Softmax cross-entropy per row of logits [N, K] with float class labels:
// dlogits[n, k] = (softmax(logits[n])[k] - (k == label)) / N, and
// rowstats[n] = {-log softmax(logits[n])[label], 1 if the first maximal
// logit is the label else 0}. Subtracting the row maximum keeps exp()
// finite for logits of any size. A channel_sum over rows follows.

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Logits { float logits[]; };
layout(std430, binding = 1) readonly buffer Labels { float labels[]; };
layout(std430, binding = 2) writeonly buffer DLogits { float dlogits[]; };
layout(std430, binding = 3) writeonly buffer RowStats { float rowstats[]; };

layout(push_constant) uniform Params {
    uint N;
    uint K;
} p;

void main() {
    uint n = gl_GlobalInvocationID.x;
    if (n >= p.N) {
        return;
    }
    uint base = n * p.K;
    uint label = uint(labels[n]);

    float m = logits[base];
    uint argmax = 0;
    for (uint k = 1; k < p.K; k++) {
        float v = logits[base + k];
        if (v > m) {
            m = v;
            argmax = k;
        }
    }
    float sum = 0.0;
    for (uint k = 0; k < p.K; k++) {
        sum += exp(logits[base + k] - m);
    }
    float logSum = log(sum);
    float invN = 1.0 / float(p.N);
    for (uint k = 0; k < p.K; k++) {
        float prob = exp(logits[base + k] - m - logSum);
        dlogits[base + k] = (prob - (k == label ? 1.0 : 0.0)) * invN;
    }
    rowstats[2 * n] = logSum - (logits[base + label] - m);
    rowstats[2 * n + 1] = argmax == label ? 1.0 : 0.0;
}
