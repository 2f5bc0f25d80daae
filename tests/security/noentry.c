/* SPDX-License-Identifier: MIT */
/* noentry.c - a shared object with a constructor and no hp_plugin_entry:
 * the loader must refuse it before dlopen, so the constructor never runs
 * (it would create the file named by $HP_NOENTRY_MARK). */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void noentry_ctor(void)
{
	const char *mark = getenv("HP_NOENTRY_MARK");
	int fd;

	if (mark != NULL && (fd = open(mark, O_WRONLY | O_CREAT, 0644)) >= 0)
		close(fd);
}

int noentry_something(void);
int noentry_something(void)
{
	return 42;
}
