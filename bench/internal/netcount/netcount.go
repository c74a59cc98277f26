// Package netcount counts the TCP connections a server accepts: every accepted
// connection is one dial by a client of the program under test.
package netcount

import (
	"net"
	"sync/atomic"
)

// Listener is a net.Listener that counts what it accepts.
type Listener struct {
	net.Listener
	n atomic.Int64
}

// Listen listens on a free loopback port.
func Listen() (*Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return &Listener{Listener: ln}, nil
}

// Accept implements net.Listener.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// Accepted returns how many connections were accepted so far.
func (l *Listener) Accepted() int64 { return l.n.Load() }

// FreeAddr returns a loopback address no one listens on right now, for a
// program that is told its listen address in its configuration.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
