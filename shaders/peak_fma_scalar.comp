#version 450
// peak_fma_scalar: float32 fused multiply-add throughput with scalar code.
//
// Each invocation runs 8 independent chains c = fma(c, a, b), so an FMA
// rarely waits for the result of the one before it. One loop iteration is
// 4 rounds over the 8 chains, 32 FMAs. The chains start from the
// invocation index times seed plus the chain number, and a, b, seed and
// the loop count are push constants, so the compiler can fold nothing. With 0 < a < 1 every chain converges to b / (1 - a) and never
// overflows or reaches a denormal, however long it runs. The sum of the
// chains is stored per invocation, so no FMA is dead code.
//
// gpu/peak/fma.go repeats these counts (8 chains, 32 FMAs per iteration),
// and its tests check the stored sums against the same chains computed on
// the host.

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
    c2 = fma(c2, a, b); c3 = fma(c3, a, b); \
    c4 = fma(c4, a, b); c5 = fma(c5, a, b); \
    c6 = fma(c6, a, b); c7 = fma(c7, a, b);

void main() {
    uint id = gl_GlobalInvocationID.x;
    float a = p.a;
    float b = p.b;
    float x = float(id) * p.seed;
    float c0 = x;
    float c1 = x + 1.0;
    float c2 = x + 2.0;
    float c3 = x + 3.0;
    float c4 = x + 4.0;
    float c5 = x + 5.0;
    float c6 = x + 6.0;
    float c7 = x + 7.0;

    for (uint i = 0; i < p.loops; i++) {
        ROUND
        ROUND
        ROUND
        ROUND
    }

    result[id] = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7;
}
