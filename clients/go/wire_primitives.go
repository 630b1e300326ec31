package couponsd

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// DecodeError says why a body could not be decoded: a protocol violation by
// the peer (framing already guaranteed the whole body arrived).
type DecodeError struct {
	Field  string
	Reason string
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("decode: field %q: %s", e.Field, e.Reason)
}

// writer appends big-endian fields to a body.
type writer struct{ buf []byte }

func (w *writer) u8(v uint8)   { w.buf = append(w.buf, v) }
func (w *writer) u16(v uint16) { w.buf = binary.BigEndian.AppendUint16(w.buf, v) }
func (w *writer) u32(v uint32) { w.buf = binary.BigEndian.AppendUint32(w.buf, v) }
func (w *writer) u64(v uint64) { w.buf = binary.BigEndian.AppendUint64(w.buf, v) }
func (w *writer) bool(v bool) {
	if v {
		w.u8(1)
	} else {
		w.u8(0)
	}
}
func (w *writer) raw(v []byte) { w.buf = append(w.buf, v...) }
func (w *writer) blob(v []byte) {
	w.u32(uint32(len(v)))
	w.raw(v)
}

// str writes a u16 length and the bytes. A longer string is cut at the last
// character boundary that fits: the server rejects far shorter ones anyway.
func (w *writer) str(s string) {
	end := len(s)
	if end > 0xFFFF {
		end = 0xFFFF
		for end > 0 && !utf8.RuneStart(s[end]) {
			end--
		}
	}
	w.u16(uint16(end))
	w.buf = append(w.buf, s[:end]...)
}

// reader takes fields off a body; every read names its field so that a bad
// body gives an error that says where.
type reader struct {
	buf []byte
	pos int
}

func (r *reader) remaining() int { return len(r.buf) - r.pos }

func (r *reader) take(n int, field string) ([]byte, error) {
	if n < 0 || n > r.remaining() {
		return nil, &DecodeError{field, "body ends inside it"}
	}
	s := r.buf[r.pos : r.pos+n]
	r.pos += n
	return s, nil
}

func (r *reader) u8(field string) (uint8, error) {
	b, err := r.take(1, field)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (r *reader) u16(field string) (uint16, error) {
	b, err := r.take(2, field)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint16(b), nil
}

func (r *reader) u32(field string) (uint32, error) {
	b, err := r.take(4, field)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(b), nil
}

func (r *reader) u64(field string) (uint64, error) {
	b, err := r.take(8, field)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint64(b), nil
}

func (r *reader) bool(field string) (bool, error) {
	v, err := r.u8(field)
	if err != nil {
		return false, err
	}
	switch v {
	case 0:
		return false, nil
	case 1:
		return true, nil
	}
	return false, &DecodeError{field, fmt.Sprintf("bool byte %d", v)}
}

func (r *reader) str(field string) (string, error) {
	n, err := r.u16(field)
	if err != nil {
		return "", err
	}
	b, err := r.take(int(n), field)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", &DecodeError{field, "not valid UTF-8"}
	}
	return string(b), nil
}

func (r *reader) blob(field string) ([]byte, error) {
	n, err := r.u32(field)
	if err != nil {
		return nil, err
	}
	if uint64(n) > uint64(r.remaining()) {
		return nil, &DecodeError{field, "body ends inside it"}
	}
	b, _ := r.take(int(n), field)
	return append([]byte(nil), b...), nil
}
