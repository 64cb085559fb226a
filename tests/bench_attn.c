/* Attention at scale, printed for the README (not a timed test):
 * `maskscope print A_weights --mode combined` on one 4096-token sentence,
 * as a whole process (wall time and peak memory), against a
 * baseline written here and measured in the same run: the plain kernel a
 * reader would write, Q·Kᵀ/√d with the causal mask and a softmax per row
 * into one float L×L matrix (64 MiB at L = 4096). print shows, as PyTorch
 * does, the first and last three rows and columns, so it needs six rows of
 * the matrix and the kernel all L; the ratio says what that is worth.
 * Usage: bench_attn (MASKSCOPE_BIN names the executable). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define L 4096
#define D 4
#define RUNS 5

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, by_value);
    return v[n / 2];
}

/* the plain kernel: every row of the causal softmax, in float; returns
 * the sum of all weights (L if every row sums to 1), so nothing is
 * optimised away and the result is checked */
static double kernel(const float *Q, const float *K, float *W)
{
    const float scale = 1.0f / sqrtf((float)D);
    double total = 0;
    for (int i = 0; i < L; i++) {
        float *w = W + (size_t)i * L, m = -INFINITY;
        for (int j = 0; j <= i; j++) {
            float s = 0;
            for (int k = 0; k < D; k++) s += Q[i * D + k] * K[j * D + k];
            w[j] = s * scale;
            if (w[j] > m) m = w[j];
        }
        float sum = 0;
        for (int j = 0; j <= i; j++) {
            w[j] = expf(w[j] - m);
            sum += w[j];
        }
        for (int j = 0; j <= i; j++) w[j] /= sum;
        for (int j = i + 1; j < L; j++) w[j] = 0; /* masked: exactly 0 */
        for (int j = 0; j < L; j++) total += w[j];
    }
    return total;
}

/* one run of bin with args, its output into the file out: wall ms, and
 * the largest peak of any child so far in KiB (getrusage of the children) */
static int run(const char *bin, char *const argv[], const char *out, double *ms, long *kib)
{
    double t0 = now_ms();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        if (!freopen(out, "w", stdout)) _exit(127);
        execv(bin, argv);
        _exit(127);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -1;
    *ms = now_ms() - t0;
    struct rusage ru;
    if (getrusage(RUSAGE_CHILDREN, &ru) != 0) return -1;
    *kib = ru.ru_maxrss;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(void)
{
    const char *bin = getenv("MASKSCOPE_BIN");
    if (!bin || access(bin, X_OK) != 0) {
        fprintf(stderr, "bench_attn: set MASKSCOPE_BIN to the maskscope executable\n");
        return 77;
    }
    /* one sentence of L words */
    char dir[] = "/tmp/maskscope-attn-XXXXXX", path[256], out[256];
    if (!mkdtemp(dir)) return 1;
    snprintf(path, sizeof path, "%s/long.json", dir);
    snprintf(out, sizeof out, "%s/print.txt", dir);
    FILE *fp = fopen(path, "w");
    if (!fp) return 1;
    static const char *const words[] = { "the", "cat", "ate", "fish", "pie", "and", "a", "dog", "saw", "it" };
    fputs("{\"sentences\": [\"", fp);
    for (int i = 0; i < L; i++) fprintf(fp, "%s%s", i ? " " : "", words[i % 10]);
    fputs("\"]}\n", fp);
    if (fclose(fp) != 0) return 1;

    char *argv[] = { (char *)bin, "print", "A_weights", "--mode", "combined", "--scenario", path, NULL };
    double wall[RUNS], ms;
    long peak = 0, kib;
    for (int r = 0; r < RUNS; r++) {
        int rc = run(bin, argv, out, &ms, &kib);
        if (rc != 0) {
            fprintf(stderr, "bench_attn: %s print failed (%d)\n", bin, rc);
            return 1;
        }
        wall[r] = ms;
        if (kib > peak) peak = kib;
    }
    /* what it printed: PyTorch's layout, and a causal first row (the first
     * query sees only itself: weight 1, then 0) */
    char head[64] = "";
    FILE *pf = fopen(out, "r");
    size_t got = pf ? fread(head, 1, sizeof head - 1, pf) : 0;
    if (pf) fclose(pf);
    head[got] = '\0';
    static const char want[] = "tensor([[1.0000e+00, 0.0000e+00, 0.0000e+00,  ...";
    if (strncmp(head, want, sizeof want - 1) != 0) {
        fprintf(stderr, "bench_attn: print wrote something else: %s\n", head);
        return 1;
    }
    /* the baseline */
    float *Q = malloc(sizeof(float) * L * D), *K = malloc(sizeof(float) * L * D);
    float *W = malloc(sizeof(float) * (size_t)L * L);
    if (!Q || !K || !W) return 1;
    unsigned s = 1;
    for (int i = 0; i < L * D; i++) {
        s = s * 1103515245u + 12345u;
        Q[i] = (float)((s >> 8) & 0xffff) / 32768.0f - 1.0f;
        s = s * 1103515245u + 12345u;
        K[i] = (float)((s >> 8) & 0xffff) / 32768.0f - 1.0f;
    }
    double kms[RUNS], total = 0;
    for (int r = 0; r < RUNS; r++) {
        double t0 = now_ms();
        total = kernel(Q, K, W);
        kms[r] = now_ms() - t0;
    }
    if (fabs(total - L) > 1e-2 * L) {
        fprintf(stderr, "bench_attn: the kernel's rows do not sum to 1 (%g over %d rows)\n", total, L);
        return 1;
    }
    double p = median(wall, RUNS), k = median(kms, RUNS);
    printf("print A_weights --mode combined, L=%d: %.1f ms wall (median of %d processes), peak %.1f MiB   "
           "(target <= 400 ms, <= 200 MiB)\n", L, p, RUNS, peak / 1024.0);
    printf("plain kernel in this process, whole causal softmax in one float %dx%d matrix (%.0f MiB): %.1f ms "
           "(median of %d)\n", L, L, (double)L * L * sizeof(float) / (1 << 20), k, RUNS);
    printf("ratio print (a whole process: start-up, JSON, 4096 words, 6 rows) / plain kernel (all %d rows): %.2f\n",
           L, p / k);
    free(Q);
    free(K);
    free(W);
    unlink(path);
    unlink(out);
    rmdir(dir);
    return 0;
}
