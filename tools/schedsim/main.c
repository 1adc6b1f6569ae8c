/* SPDX-License-Identifier: MIT */
/*
 * schedsim command line: runs a workload file through the simulator and
 * reports per-vCPU results on stdout and, with --out DIR, as
 * DIR/summary.csv and DIR/latency.csv (formats in README.md).
 *
 *   schedsim WORKLOAD [--out DIR] [--trace FILE] [--seed N]
 *
 * Exit status: 0 done, 1 the run or the output failed, 2 bad command
 * line or workload (including a reservation refused by the policy).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "workload.h"

/* ns as the two printf arguments of "%llu.%03llu" (us, or ms from us). */
#define MAIN_MILLI(v)                                                          \
    (unsigned long long)((v) / 1000), (unsigned long long)((v) % 1000)

struct main_args {
    const char *workload;
    const char *out_dir;
    const char *trace;
    const char *seed;
};

static int main_usage(void)
{
    fprintf(stderr, "usage: schedsim WORKLOAD [--out DIR] [--trace FILE] "
                    "[--seed N]\n");
    return 2;
}

static int main_parse_args(int argc, char **argv, struct main_args *a)
{
    int i;

    memset(a, 0, sizeof(*a));
    for (i = 1; i < argc; i++) {
        const char **opt = NULL;

        if (strcmp(argv[i], "--out") == 0) {
            opt = &a->out_dir;
        } else if (strcmp(argv[i], "--trace") == 0) {
            opt = &a->trace;
        } else if (strcmp(argv[i], "--seed") == 0) {
            opt = &a->seed;
        } else if (argv[i][0] == '-' || a->workload != NULL) {
            return -1;
        } else {
            a->workload = argv[i];
            continue;
        }
        if (i + 1 == argc) {
            return -1;
        }
        *opt = argv[++i];
    }
    return a->workload != NULL ? 0 : -1;
}

static double main_share(uint64_t cpu_ns, uint64_t duration_ns)
{
    return 100.0 * (double)cpu_ns / (double)duration_ns;
}

static void main_print_summary(struct sim *sim, const struct workload *wl)
{
    unsigned int i;

    printf("schedsim: %s: policy %s, %u cpu(s), %llu.%03llu ms, seed %llu\n",
           wl->file, wl->policy, wl->nr_cpus,
           MAIN_MILLI(wl->duration_ns / 1000), (unsigned long long)wl->seed);
    printf("%-16s %4s %-8s %3s %12s %7s %8s %6s %6s %10s %10s %10s\n", "vm",
           "vcpu", "kind", "cpu", "cpu_ms", "share%", "releases", "misses",
           "late", "p50_us", "p99_us", "max_us");
    for (i = 0; i < sim_nr_vcpus(sim); i++) {
        struct sim_stats st;

        sim_get_stats(sim, i, &st);
        printf("%-16s %4u %-8s %3u %8llu.%03llu %7.2f %8llu %6llu %6llu",
               st.vm_name, st.vcpu, sim_kind_name(st.kind), st.cpu,
               MAIN_MILLI(st.cpu_ns / 1000),
               main_share(st.cpu_ns, wl->duration_ns),
               (unsigned long long)st.releases, (unsigned long long)st.misses,
               (unsigned long long)st.late);
        if (st.nr_lat == 0) {
            printf(" %10s %10s %10s\n", "-", "-", "-");
        } else {
            printf(" %6llu.%03llu %6llu.%03llu %6llu.%03llu\n",
                   MAIN_MILLI(st.lat_p50_ns), MAIN_MILLI(st.lat_p99_ns),
                   MAIN_MILLI(st.lat_max_ns));
        }
    }
    for (i = 0; i < sim_nr_cpus(sim); i++) {
        struct sim_cpu_stats c;

        sim_get_cpu_stats(sim, i, &c);
        printf("cpu %u: busy %.2f %%, idle %.2f %%, switch cost %llu.%03llu "
               "us, %llu switches\n",
               i, main_share(c.busy_ns, wl->duration_ns),
               main_share(c.idle_ns, wl->duration_ns), MAIN_MILLI(c.switch_ns),
               (unsigned long long)c.switches);
    }
}

static void main_write_summary(FILE *f, struct sim *sim,
                               const struct workload *wl)
{
    unsigned int i;

    fprintf(f, "vm,vcpu,kind,cpu_ns,share_pct,releases,misses,late,"
               "lat_p50_us,lat_p99_us,lat_max_us\n");
    for (i = 0; i < sim_nr_vcpus(sim); i++) {
        struct sim_stats st;

        sim_get_stats(sim, i, &st);
        fprintf(f, "%s,%u,%s,%llu,%.3f,%llu,%llu,%llu", st.vm_name, st.vcpu,
                sim_kind_name(st.kind), (unsigned long long)st.cpu_ns,
                main_share(st.cpu_ns, wl->duration_ns),
                (unsigned long long)st.releases, (unsigned long long)st.misses,
                (unsigned long long)st.late);
        if (st.nr_lat == 0) {
            fprintf(f, ",,,\n");
        } else {
            fprintf(f, ",%llu.%03llu,%llu.%03llu,%llu.%03llu\n",
                    MAIN_MILLI(st.lat_p50_ns), MAIN_MILLI(st.lat_p99_ns),
                    MAIN_MILLI(st.lat_max_ns));
        }
    }
}

/* One row per non-empty bucket; the samples come sorted. */
static void main_write_latency(FILE *f, struct sim *sim,
                               const struct workload *wl)
{
    unsigned int i;
    uint64_t k;

    (void)wl;
    fprintf(f, "vm,vcpu,bucket_lo_us,count\n");
    for (i = 0; i < sim_nr_vcpus(sim); i++) {
        struct sim_stats st;

        sim_get_stats(sim, i, &st);
        for (k = 0; k < st.nr_lat;) {
            uint64_t bucket = sim_lat_bucket_us(st.lat_ns[k]);
            uint64_t n = 0;

            while (k < st.nr_lat && sim_lat_bucket_us(st.lat_ns[k]) == bucket) {
                n++;
                k++;
            }
            fprintf(f, "%s,%u,%llu,%llu\n", st.vm_name, st.vcpu,
                    (unsigned long long)bucket, (unsigned long long)n);
        }
    }
}

/* Writes dir/name with fn; 0, or -1 after a message. */
static int main_write_csv(const char *dir, const char *name,
                          void (*fn)(FILE *, struct sim *,
                                     const struct workload *),
                          struct sim *sim, const struct workload *wl)
{
    char path[4096];
    FILE *f;
    int bad;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "schedsim: %s: %s\n", path, strerror(errno));
        return -1;
    }
    fn(f, sim, wl);
    bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        fprintf(stderr, "schedsim: %s: write error\n", path);
        return -1;
    }
    return 0;
}

static int main_write_outputs(const char *dir, struct sim *sim,
                              const struct workload *wl)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "schedsim: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    if (main_write_csv(dir, "summary.csv", main_write_summary, sim, wl) != 0 ||
        main_write_csv(dir, "latency.csv", main_write_latency, sim, wl) != 0) {
        return -1;
    }
    return 0;
}

/* Builds and runs wl; the exit status. */
static int main_run(struct workload *wl, const struct main_args *a)
{
    FILE *trace = NULL;
    struct sim *sim;
    int rc = 0;

    if (a->trace != NULL) {
        trace = fopen(a->trace, "w");
        if (trace == NULL) {
            fprintf(stderr, "schedsim: %s: %s\n", a->trace, strerror(errno));
            return 1;
        }
    }
    if (workload_build(wl, trace, &sim, stderr) != 0) {
        rc = 2;
    } else {
        if (sim_run(sim, wl->duration_ns) != 0) {
            fprintf(stderr, "schedsim: %s: %s\n", wl->file, sim_error(sim));
            rc = 1;
        } else {
            main_print_summary(sim, wl);
            if (a->out_dir != NULL &&
                main_write_outputs(a->out_dir, sim, wl) != 0) {
                rc = 1;
            }
        }
        sim_destroy(sim);
    }
    if (trace != NULL && fclose(trace) != 0) {
        fprintf(stderr, "schedsim: %s: write error\n", a->trace);
        rc = rc != 0 ? rc : 1;
    }
    return rc;
}

int main(int argc, char **argv)
{
    struct main_args a;
    struct workload *wl;
    int rc;

    if (main_parse_args(argc, argv, &a) != 0) {
        return main_usage();
    }
    wl = malloc(sizeof(*wl));
    if (wl == NULL) {
        fprintf(stderr, "schedsim: out of memory\n");
        return 1;
    }
    if (workload_load(wl, a.workload, stderr) != 0) {
        free(wl);
        return 2;
    }
    if (a.seed != NULL) {
        char *end;

        errno = 0;
        wl->seed = strtoull(a.seed, &end, 10);
        if (errno != 0 || end == a.seed || *end != '\0' || a.seed[0] == '-') {
            free(wl);
            return main_usage();
        }
    }
    rc = main_run(wl, &a);
    free(wl);
    return rc;
}
