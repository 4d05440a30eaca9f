/*
 * haharness host clock (images/base/hostclock.c): an LD_PRELOAD library
 * that shifts the wall clock a process reads (clock_gettime of
 * CLOCK_REALTIME and its variants, gettimeofday, time) by the whole
 * seconds in the file $HAHARNESS_CLOCK_FILE ("+600", "-600", "+0"),
 * re-read at most once a second, so a running process follows a change.
 * Monotonic and CPU clocks, and every sleep and timed wait, are left true,
 * as on a host whose NTP has stepped its clock. Only plain system calls
 * (open, read, close) run inside the clock functions: the JVM reads the
 * time from any thread, signal handlers included.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int (*real_clock_gettime)(clockid_t, struct timespec *);
static volatile long offset_seconds;
static volatile long next_read; /* monotonic second of the next read */

static int real(clockid_t c, struct timespec *ts) {
	if (!real_clock_gettime) {
		real_clock_gettime = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
	}
	return real_clock_gettime(c, ts);
}

static long parse(const char *s, long n) {
	long v = 0, sign = 1, i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
	if (i < n && (s[i] == '+' || s[i] == '-')) sign = s[i++] == '-' ? -1 : 1;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) v = v * 10 + (s[i] - '0');
	return sign * v;
}

static long offset(void) {
	struct timespec m;
	if (real(CLOCK_MONOTONIC_COARSE, &m) != 0 || m.tv_sec < next_read) return offset_seconds;
	next_read = m.tv_sec + 1;
	const char *path = getenv("HAHARNESS_CLOCK_FILE");
	if (!path) return offset_seconds = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return offset_seconds = 0;
	char buf[32];
	long n = read(fd, buf, sizeof buf);
	close(fd);
	if (n > 0) offset_seconds = parse(buf, n);
	return offset_seconds;
}

static int wall(clockid_t c) {
	return c == CLOCK_REALTIME || c == CLOCK_REALTIME_COARSE || c == CLOCK_TAI || c == CLOCK_REALTIME_ALARM;
}

int clock_gettime(clockid_t c, struct timespec *ts) {
	int r = real(c, ts);
	if (r == 0 && wall(c)) ts->tv_sec += offset();
	return r;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
	struct timespec ts;
	int r = clock_gettime(CLOCK_REALTIME, &ts);
	if (r == 0 && tv) {
		tv->tv_sec = ts.tv_sec;
		tv->tv_usec = ts.tv_nsec / 1000;
	}
	if (tz) {
		struct timezone *z = tz;
		z->tz_minuteswest = 0;
		z->tz_dsttime = 0;
	}
	return r;
}

time_t time(time_t *t) {
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return (time_t)-1;
	if (t) *t = ts.tv_sec;
	return ts.tv_sec;
}
