package memstore

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/kmbridge/kmbridge/bridge"
)

// The journal file: one record per line, "<crc32c of the JSON, 8 hex digits>
// <JSON>\n". A crash mid-write leaves at most the last line torn (no newline,
// or a checksum that does not match); reading skips it with a log line. A bad
// line elsewhere (the disk, not a crash) is skipped the same way, logged as
// corrupt. Neither stops a start.

// Record operations.
const (
	opPut    = "put"
	opDone   = "done"
	opSeen   = "seen"   // a delivery id was claimed (dedupe); X is its expiry
	opForget = "forget" // a claim was released
)

// record is one journal line: put carries the entry, done its key and seq,
// seen and forget a delivery id.
type record struct {
	Op string             `json:"op"`
	E  *bridge.InboxEntry `json:"e,omitempty"`
	K  *bridge.ConvKey    `json:"k,omitempty"`
	S  uint64             `json:"s,omitempty"`
	ID string             `json:"id,omitempty"`
	X  int64              `json:"x,omitempty"` // Unix nanoseconds; 0: no expiry
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// encode gives r's journal line.
func (r record) encode() ([]byte, error) {
	js, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("memstore: inbox: encode: %w", err)
	}
	line := make([]byte, 0, 9+len(js)+1)
	line = fmt.Appendf(line, "%08x ", crc32.Checksum(js, crcTable))
	line = append(line, js...)
	return append(line, '\n'), nil
}

// decodeLine reads one line (without its newline).
func decodeLine(line []byte) (record, error) {
	var r record
	if len(line) < 10 || line[8] != ' ' {
		return r, errors.New("no checksum")
	}
	var sum [4]byte
	if _, err := hex.Decode(sum[:], line[:8]); err != nil {
		return r, errors.New("no checksum")
	}
	js := line[9:]
	want := uint32(sum[0])<<24 | uint32(sum[1])<<16 | uint32(sum[2])<<8 | uint32(sum[3])
	if crc32.Checksum(js, crcTable) != want {
		return r, errors.New("checksum mismatch")
	}
	if err := json.Unmarshal(js, &r); err != nil {
		return r, err
	}
	switch {
	case r.Op == opPut && r.E != nil:
	case r.Op == opDone && r.K != nil:
	case (r.Op == opSeen || r.Op == opForget) && r.ID != "":
	default:
		return r, fmt.Errorf("not a put, done, seen or forget record (op %q)", r.Op)
	}
	return r, nil
}

// journal is the open journal file, appended to.
type journal struct{ f *os.File }

func (j *journal) append(b []byte, sync bool) error {
	if _, err := j.f.Write(b); err != nil {
		return fmt.Errorf("memstore: inbox journal: write: %w", err)
	}
	if !sync {
		return nil
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("memstore: inbox journal: fsync: %w", err)
	}
	return nil
}

func (j *journal) close() error {
	if err := j.f.Close(); err != nil {
		return fmt.Errorf("memstore: inbox journal: close: %w", err)
	}
	return nil
}

// readJournal returns the records of the journal at path, in order; a missing
// file has none. Torn and corrupt lines are skipped and logged.
func readJournal(path string, log *slog.Logger) ([]record, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("memstore: open inbox journal: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("memstore: inbox journal %s is not a regular file", path)
	}
	var (
		recs []record
		r    = bufio.NewReaderSize(f, 1<<16)
		n    int
	)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) == 0 && err == io.EOF {
			return recs, nil
		}
		n++
		if err == io.EOF { // no newline: the write of the last record was cut off
			log.Warn("memstore: inbox journal: torn last record ignored (the process stopped mid-write)",
				"path", path, "line", n, "bytes", len(line))
			return recs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("memstore: read inbox journal: %w", err)
		}
		rec, derr := decodeLine(bytes.TrimSuffix(line, []byte("\n")))
		if derr != nil {
			if _, perr := r.Peek(1); perr == io.EOF {
				log.Warn("memstore: inbox journal: torn last record ignored (the process stopped mid-write)",
					"path", path, "line", n, "err", derr)
				return recs, nil
			}
			log.Error("memstore: inbox journal: corrupt record skipped; an accepted event may be lost or answered twice",
				"path", path, "line", n, "err", derr)
			continue
		}
		recs = append(recs, rec)
	}
}

// rewriteJournal writes the live entries and the dedupe claims not yet in a
// snapshot to a new journal (temp file, fsynced, renamed over path, directory
// fsynced), closes old and returns the new one opened for appending.
func rewriteJournal(path string, live []bridge.InboxEntry, seen map[string]int64, old *journal) (*journal, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("memstore: inbox journal: %w", err)
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("memstore: inbox journal: %w", err)
	}
	tmp := f.Name()
	fail := func(err error) (*journal, error) {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("memstore: inbox journal %s: rewrite: %w", path, err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	for i := range live {
		line, err := record{Op: opPut, E: &live[i]}.encode()
		if err != nil {
			return fail(err)
		}
		if _, err := w.Write(line); err != nil {
			return fail(err)
		}
	}
	for id, x := range seen {
		line, err := record{Op: opSeen, ID: id, X: x}.encode()
		if err != nil {
			return fail(err)
		}
		if _, err := w.Write(line); err != nil {
			return fail(err)
		}
	}
	if err := w.Flush(); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fail(err)
	}
	if d, err := os.Open(dir); err == nil { // make the rename durable
		_ = d.Sync()
		d.Close()
	}
	if old != nil {
		_ = old.f.Close()
	}
	// f is still open on the renamed file, positioned at its end: appends go on
	// from there. O_APPEND is not needed with one writer.
	return &journal{f: f}, nil
}
