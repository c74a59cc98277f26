package httpserver

import (
	"net/http"
	"net/netip"
	"strings"
)

// RequestIP is ClientIP for a request: its RemoteAddr and X-Forwarded-For.
func RequestIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
	return ClientIP(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), trusted)
}

// ClientIP returns the address of the client behind a request (config
// http.trusted_proxies), for per-client limits and logs.
//
// X-Forwarded-For is written by whoever sends the request, so it is believed only
// as far as trusted proxies vouch for it: when the direct peer (remoteAddr) is
// inside a trusted prefix, the entries are read from the right (the most recent
// hop) and the first one that is not itself a trusted proxy is the client. An
// entry that does not parse ends the walk at the trusted hop that wrote it, so
// garbage cannot pick an address; if every entry is trusted, the left-most is the
// client. With an untrusted peer, or none trusted, the peer is the client
// whatever the header says. IPv4-mapped IPv6 addresses are unmapped and zones
// dropped. The zero Addr means remoteAddr itself is not an address.
func ClientIP(remoteAddr string, forwardedFor []string, trusted []netip.Prefix) netip.Addr {
	peer, ok := parseHop(remoteAddr)
	if !ok || !inAny(peer, trusted) {
		return peer
	}
	client := peer
	for i := len(forwardedFor) - 1; i >= 0; i-- {
		line := forwardedFor[i]
		for line != "" {
			var hop string
			if j := strings.LastIndexByte(line, ','); j >= 0 {
				line, hop = line[:j], line[j+1:]
			} else {
				line, hop = "", line
			}
			hop = strings.TrimSpace(hop)
			if hop == "" {
				continue // "a, , b" and trailing commas: nothing said, nothing believed
			}
			addr, ok := parseHop(hop)
			if !ok {
				return client
			}
			client = addr
			if !inAny(addr, trusted) {
				return addr
			}
		}
	}
	return client
}

// parseHop reads an address as RemoteAddr and X-Forwarded-For carry it: bare
// ("203.0.113.7", "2001:db8::1"), with a port ("203.0.113.7:443",
// "[2001:db8::1]:443") or bracketed without one.
func parseHop(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
				return parseHop(s[1 : len(s)-1])
			}
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}

func inAny(a netip.Addr, prefixes []netip.Prefix) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
