package couponsd

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
)

const (
	// frameHeaderLen is the whole header: length, checksum, request id,
	// opcode, status.
	frameHeaderLen = 16
	// frameHeaderAfterLength is the part of the header `length` counts.
	frameHeaderAfterLength = 12
	// MaxFrameLength is the protocol's default and largest `length` (1 MiB).
	MaxFrameLength = 1 << 20
)

// Frame is one protocol frame: a 16-byte header and a body.
type Frame struct {
	RequestID uint32
	Opcode    uint16
	Status    uint16
	Body      []byte
}

// FrameError is a frame that cannot be read: a bad length or checksum. The
// byte stream cannot be trusted after it.
type FrameError struct{ Reason string }

func (e *FrameError) Error() string { return "frame: " + e.Reason }

// AppendFrame appends one whole frame (header, CRC-32 and body) to dst.
func AppendFrame(dst []byte, requestID uint32, opcode, status uint16, body []byte) []byte {
	start := len(dst)
	dst = binary.BigEndian.AppendUint32(dst, uint32(frameHeaderAfterLength+len(body)))
	dst = append(dst, 0, 0, 0, 0)
	dst = binary.BigEndian.AppendUint32(dst, requestID)
	dst = binary.BigEndian.AppendUint16(dst, opcode)
	dst = binary.BigEndian.AppendUint16(dst, status)
	dst = append(dst, body...)
	binary.BigEndian.PutUint32(dst[start+4:], crc32.ChecksumIEEE(dst[start+8:]))
	return dst
}

// ParseFrame splits one whole frame (as AppendFrame makes it) into its parts,
// checking length and checksum. Bytes after the frame are an error.
func ParseFrame(raw []byte, maxLength uint32) (Frame, error) {
	if len(raw) < 4 {
		return Frame{}, &FrameError{"shorter than its length field"}
	}
	length := binary.BigEndian.Uint32(raw)
	if err := checkLength(length, maxLength); err != nil {
		return Frame{}, err
	}
	if uint64(len(raw)) != 4+uint64(length) {
		return Frame{}, &FrameError{fmt.Sprintf("length %d does not match %d bytes", length, len(raw)-4)}
	}
	return splitFrame(raw[4:])
}

func checkLength(length, maxLength uint32) error {
	if length > maxLength {
		return &FrameError{fmt.Sprintf("length %d is over the maximum %d", length, maxLength)}
	}
	if length < frameHeaderAfterLength {
		return &FrameError{fmt.Sprintf("length %d is shorter than the 12-byte header", length)}
	}
	return nil
}

// splitFrame takes the bytes after the length field.
func splitFrame(rest []byte) (Frame, error) {
	want := binary.BigEndian.Uint32(rest)
	got := crc32.ChecksumIEEE(rest[4:])
	if want != got {
		return Frame{}, &FrameError{fmt.Sprintf("checksum mismatch: header says %08x, bytes give %08x", want, got)}
	}
	return Frame{
		RequestID: binary.BigEndian.Uint32(rest[4:]),
		Opcode:    binary.BigEndian.Uint16(rest[8:]),
		Status:    binary.BigEndian.Uint16(rest[10:]),
		Body:      rest[12:],
	}, nil
}

// readFrame reads one frame, never allocating from an unchecked length.
func readFrame(r *bufio.Reader, maxLength uint32) (Frame, error) {
	var lenBuf [4]byte
	if _, err := io.ReadFull(r, lenBuf[:]); err != nil {
		return Frame{}, err
	}
	length := binary.BigEndian.Uint32(lenBuf[:])
	if err := checkLength(length, maxLength); err != nil {
		return Frame{}, err
	}
	rest := make([]byte, length)
	if _, err := io.ReadFull(r, rest); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return Frame{}, err
	}
	return splitFrame(rest)
}
