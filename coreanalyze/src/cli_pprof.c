/* cli_pprof.c - the gostuck command's --pprof FILE: the file's life (made
 * before the analysis, kept or removed after); the profile itself is the
 * library's view (report_pprof.c).  Layer: front end. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int gs_cli_pprof_open(struct gs_cli_pprof *pf)
{
	int fd = open(pf->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	pf->created = fd >= 0;
	if (fd < 0 && errno == EEXIST)
		fd = open(pf->path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	pf->f = fdopen(fd, "wb");
	if (!pf->f) {
		int e = errno;
		close(fd);
		if (pf->created)
			unlink(pf->path);
		errno = e;
		return -1;
	}
	return 0;
}

int gs_cli_pprof_write(struct gs_cli_pprof *pf, const struct gs_report *r, bool all)
{
	struct stat st;
	struct gs_view_options view = { .all = all };
	errno = 0;
	int rc = fstat(fileno(pf->f), &st) == 0 && S_ISREG(st.st_mode) ? ftruncate(fileno(pf->f), 0) : 0;
	if (rc == 0)
		rc = gs_report_pprof(pf->f, r, &view);
	int e = errno;
	if (fclose(pf->f) != 0 && rc == 0) {
		rc = -1;
		e = errno;
	}
	pf->f = NULL;
	pf->written = rc == 0;
	if (rc < 0)
		gs_cli_say("writing the profile to %s: %s", pf->path, e ? strerror(e) : "write error");
	return rc;
}
