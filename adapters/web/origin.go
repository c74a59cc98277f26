package webadapter

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// normOrigin validates an origin ("https://shop.example[:port]") and returns it
// in the form browsers send: lower case, no path, no default port.
func normOrigin(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return "", fmt.Errorf("not a URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", errors.New(`scheme must be http or https, as in "https://shop.example"`)
	}
	if u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New(`an origin is scheme://host[:port] with no path, as in "https://shop.example"`)
	}
	host := strings.ToLower(u.Hostname())
	if !validHost(host) {
		return "", fmt.Errorf("bad host %q", host)
	}
	port := u.Port()
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("bad port %q", port)
		}
	}
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return u.Scheme + "://" + host, nil
}

// validHost accepts a DNS name or an IP address.
func validHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	if net.ParseIP(h) != nil {
		return true
	}
	for _, c := range []byte(h) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// checkOrigin allows the socket from the chat's own host, from AllowedOrigins,
// and from non-browser clients (no Origin header).
func (pg *pages) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	norm, err := normOrigin(origin)
	return err == nil && pg.origins[norm]
}

// contentSecurityPolicy is the policy of every page: no inline script or style,
// pictures and sounds from KM's hosts, the socket only to ourselves.
func (pg *pages) contentSecurityPolicy() string {
	anc := []string{"'self'"}
	for o := range pg.origins {
		anc = append(anc, o)
	}
	if len(pg.cfg.FrameAncestors) > 0 {
		anc = anc[:0]
		for _, s := range pg.cfg.FrameAncestors {
			if validSource(s) {
				anc = append(anc, s)
			} else {
				pg.log.Warn("web: frame ancestor ignored", "source", s)
			}
		}
		if len(anc) == 0 {
			anc = append(anc, "'none'")
		}
	}
	slices.Sort(anc[1:])
	return "default-src 'self'; img-src https: http: data:; media-src https: http:; style-src 'self'; " +
		"script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; " +
		"frame-ancestors " + strings.Join(anc, " ")
}

// validSource accepts a CSP source expression that cannot break out of the
// header: a keyword, "*", a scheme ("https:") or an origin.
func validSource(s string) bool {
	switch s {
	case "'self'", "'none'", "*", "https:", "http:":
		return true
	}
	if strings.ContainsAny(s, " ;,'\"\r\n\t") {
		return false
	}
	_, err := normOrigin(s)
	return err == nil
}

// Validate reports bad AllowedOrigins and FrameAncestors entries, naming them.
func (c Config) Validate() error {
	var errs []error
	for _, o := range c.AllowedOrigins {
		if _, err := normOrigin(o); err != nil {
			errs = append(errs, fmt.Errorf("web.allowed_origins: %q: %w", o, err))
		}
	}
	for _, s := range c.FrameAncestors {
		if !validSource(s) {
			errs = append(errs, fmt.Errorf(`web.frame_ancestors: %q: use 'self', *, https: or an origin such as "https://shop.example"`, s))
		}
	}
	return errors.Join(errs...)
}
