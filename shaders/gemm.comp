#version 450
// gemm: C = alpha * op(A) * op(B) + beta * C, a batch of them along z.
//
// op(A) is M x K and op(B) is K x N, row-major with leading dimensions
// lda, ldb and ldc in elements. TRANS_A means A is stored K x M (op(A) =
// A^T), TRANS_B means B is stored N x K. With beta = 0, C is not read, so
// it may hold NaN.
//
// Each workgroup computes a TM x (WG * TN) tile of C; each invocation a
// TM x TN block of registers. The tile's rows depend only on the workgroup
// id, so every load of A is the same address for the whole workgroup. CPU
// drivers such as lavapipe turn such uniform loads into one scalar load
// where a divergent load is a gather, and GPUs serve them as a broadcast.
// Loads of B are contiguous across invocations (coalesced) unless TRANS_B.
// Rows and columns past the edge load a clamped index and skip the store,
// so the inner loop has no branch.

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint TM = 8;
layout(constant_id = 2) const uint TN = 4;
layout(constant_id = 3) const bool TRANS_A = false;
layout(constant_id = 4) const bool TRANS_B = false;

layout(std430, binding = 0) readonly buffer ABuffer { float a[]; };
layout(std430, binding = 1) readonly buffer BBuffer { float b[]; };
layout(std430, binding = 2) buffer CBuffer { float c[]; };

layout(push_constant) uniform Params {
    uint M, N, K;
    uint lda, ldb, ldc;
    uint offA, offB, offC;       // first element of batch 0
    uint strideA, strideB, strideC; // elements between batches
    float alpha, beta;
} p;

void main() {
    const uint WG = gl_WorkGroupSize.x;
    uint batch = gl_WorkGroupID.z;
    uint row0 = gl_WorkGroupID.y * TM;
    uint col0 = gl_WorkGroupID.x * (WG * TN) + gl_LocalInvocationID.x;
    uint baseA = p.offA + batch * p.strideA;
    uint baseB = p.offB + batch * p.strideB;

    uint rowA[TM];
    for (uint r = 0; r < TM; r++) {
        uint i = min(row0 + r, p.M - 1);
        rowA[r] = TRANS_A ? baseA + i : baseA + i * p.lda;
    }
    uint colB[TN];
    for (uint t = 0; t < TN; t++) {
        uint j = min(col0 + t * WG, p.N - 1);
        colB[t] = TRANS_B ? baseB + j * p.ldb : baseB + j;
    }

    float acc[TM][TN];
    for (uint r = 0; r < TM; r++) {
        for (uint t = 0; t < TN; t++) {
            acc[r][t] = 0.0;
        }
    }

    // Per k, the A step is lda (TRANS_A) or 1, the B step is 1 (TRANS_B) or ldb.
    uint stepA = TRANS_A ? p.lda : 1;
    uint stepB = TRANS_B ? 1 : p.ldb;
    for (uint k = 0; k < p.K; k++) {
        float bv[TN];
        for (uint t = 0; t < TN; t++) {
            bv[t] = b[colB[t] + k * stepB];
        }
        for (uint r = 0; r < TM; r++) {
            float av = a[rowA[r] + k * stepA];
            for (uint t = 0; t < TN; t++) {
                acc[r][t] = fma(av, bv[t], acc[r][t]);
            }
        }
    }

    uint baseC = p.offC + batch * p.strideC;
    for (uint r = 0; r < TM; r++) {
        uint i = row0 + r;
        for (uint t = 0; t < TN; t++) {
            uint j = col0 + t * WG;
            if (i < p.M && j < p.N) {
                uint idx = baseC + i * p.ldc + j;
                float v = p.alpha * acc[r][t];
                if (p.beta != 0.0) {
                    v = fma(p.beta, c[idx], v);
                }
                c[idx] = v;
            }
        }
    }
}
