#version 450
// peak_fma_vec4: float32 fused multiply-add throughput with vec4 operands.
//
// The same chains as peak_fma_scalar, c = fma(c, a, b), on 4 vec4
// accumulators (16 floats). Component l of accumulator j starts at
// invocation index times seed plus 4 * j + l. One loop iteration is 4
// rounds over the 4 accumulators: 16 vec4 FMAs, 64 float FMAs. Each
// invocation stores the sum of all 16 components.
//
// gpu/peak/fma.go repeats these counts (16 floats, 64 FMAs per
// iteration), and its tests check the stored sums against the same chains
// computed on the host.

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) writeonly buffer Result { float result[]; };

layout(push_constant) uniform Params {
    uint loops;
    float a;
    float b;
    float seed;
} p;

#define ROUND \
    c0 = fma(c0, a, b); c1 = fma(c1, a, b); \
    c2 = fma(c2, a, b); c3 = fma(c3, a, b);

void main() {
    uint id = gl_GlobalInvocationID.x;
    vec4 a = vec4(p.a);
    vec4 b = vec4(p.b);
    vec4 x = vec4(float(id) * p.seed);
    vec4 c0 = x + vec4(0.0, 1.0, 2.0, 3.0);
    vec4 c1 = x + vec4(4.0, 5.0, 6.0, 7.0);
    vec4 c2 = x + vec4(8.0, 9.0, 10.0, 11.0);
    vec4 c3 = x + vec4(12.0, 13.0, 14.0, 15.0);

    for (uint i = 0; i < p.loops; i++) {
        ROUND
        ROUND
        ROUND
        ROUND
    }

    vec4 s = c0 + c1 + c2 + c3;
    result[id] = s.x + s.y + s.z + s.w;
}
