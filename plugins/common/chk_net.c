/*
 * Socket helpers of the check plugins: resolution at configuration time,
 * non-blocking connect, error reasons.  See chk.h.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "chk.h"

int
chk_resolve(const char *host, uint16_t port, struct sockaddr_storage *ss,
    socklen_t *sslen, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res;
	char		 serv[8];
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(serv, sizeof(serv), "%u", (unsigned int)port);
	if ((rc = getaddrinfo(host, serv, &hints, &res)) != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", host,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return (-1);
	}
	if (res == NULL || res->ai_addrlen > sizeof(*ss)) {
		snprintf(err, errlen, "cannot resolve %s: no usable address",
		    host);
		if (res != NULL)
			freeaddrinfo(res);
		return (-1);
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return (0);
}

char *
chk_addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	char		 a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(sin6->sin6_port));
	} else
		snprintf(buf, len, "(family %d)", ss->ss_family);
	return (buf);
}

int
chk_connect(const struct sockaddr_storage *ss, socklen_t sslen, int *fdp)
{
	int		 fd, e;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_TCP);
	if (fd == -1)
		return (-1);
	if (connect(fd, (const struct sockaddr *)ss, sslen) == 0) {
		*fdp = fd;
		return (0);
	}
	if (errno == EINPROGRESS || errno == EINTR) {
		*fdp = fd;
		return (1);
	}
	e = errno;
	close(fd);
	errno = e;
	return (-1);
}

int
chk_connect_result(int fd)
{
	socklen_t	 len;
	int		 e = 0;

	len = sizeof(e);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
		return (errno);
	return (e);
}

const char *
chk_errno_reason(int e, const char *what, char *buf, size_t len)
{
	switch (e) {
	case ECONNREFUSED:
		return ("connection refused");
	case ECONNRESET:
	case EPIPE:
		return ("connection reset");
	case ECONNABORTED:
		return ("connection aborted");
	case ETIMEDOUT:
		return ("connection timed out");
	case EHOSTUNREACH:
		return ("no route to host");
	case ENETUNREACH:
		return ("network unreachable");
	case ENETDOWN:
		return ("network down");
	case EHOSTDOWN:
		return ("host down");
	case EADDRNOTAVAIL:
		return ("address not available");
	default:
		snprintf(buf, len, "%s: %s", what, strerror(e));
		return (buf);
	}
}
