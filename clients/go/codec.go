package couponsd

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// The bodies are encoded and decoded from the Go structs themselves: fields
// in declaration order are the wire order (protocol.md section 6), and the
// Go type says the wire type:
//
//	uint8 (or an enum type) u8, uint16 u16, uint32 u32, uint64 u64,
//	int32 i32, int64 i64, bool, string str, *uint32/*uint64/*int64 opt,
//	[]T list<T>, []byte blob, [16]byte 16 raw bytes, struct: its fields.
//
// A `wire` tag adds what the Go type cannot say:
//
//	zero     an enum field where 0 means "none" (any other unknown value is
//	         a decode error)
//	lenient  an enum field that decodes any value (protocol.md section 8)
//	tail     a field appended to the end of a reply body: a body from an
//	         older server that ends before it decodes with it (and every
//	         field after it) left zero
//
// Types with a shape of their own (tagged unions, conditional fields)
// implement wireMarshaler and wireUnmarshaler.

type wireMarshaler interface{ marshalWire(w *writer) }

type wireUnmarshaler interface{ unmarshalWire(r *reader) error }

type fieldPlan struct {
	index   int
	name    string
	zero    bool
	lenient bool
	tail    bool
}

var plans sync.Map // reflect.Type -> []fieldPlan

func planOf(t reflect.Type) []fieldPlan {
	if p, ok := plans.Load(t); ok {
		return p.([]fieldPlan)
	}
	var fields []fieldPlan
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || f.Tag.Get("wire") == "-" {
			continue
		}
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		if name == "" {
			name = f.Name
		}
		fp := fieldPlan{index: i, name: name}
		for _, flag := range strings.Split(f.Tag.Get("wire"), ",") {
			switch flag {
			case "zero":
				fp.zero = true
			case "lenient":
				fp.lenient = true
			case "tail":
				fp.tail = true
			}
		}
		fields = append(fields, fp)
	}
	plans.Store(t, fields)
	return fields
}

var (
	marshalerType   = reflect.TypeOf((*wireMarshaler)(nil)).Elem()
	unmarshalerType = reflect.TypeOf((*wireUnmarshaler)(nil)).Elem()
	enumType        = reflect.TypeOf((*wireEnum)(nil)).Elem()
)

// encodeBody appends v (a struct or pointer to one) as a body.
func encodeBody(w *writer, v any) {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	encodeValue(w, rv)
}

func encodeValue(w *writer, v reflect.Value) {
	if v.Type().Implements(marshalerType) {
		v.Interface().(wireMarshaler).marshalWire(w)
		return
	}
	if v.CanAddr() && v.Addr().Type().Implements(marshalerType) {
		v.Addr().Interface().(wireMarshaler).marshalWire(w)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for _, f := range planOf(v.Type()) {
			encodeValue(w, v.Field(f.index))
		}
	case reflect.Uint8:
		w.u8(uint8(v.Uint()))
	case reflect.Uint16:
		w.u16(uint16(v.Uint()))
	case reflect.Uint32:
		w.u32(uint32(v.Uint()))
	case reflect.Uint64:
		w.u64(v.Uint())
	case reflect.Int32:
		w.u32(uint32(int32(v.Int())))
	case reflect.Int64:
		w.u64(uint64(v.Int()))
	case reflect.Bool:
		w.bool(v.Bool())
	case reflect.String:
		w.str(v.String())
	case reflect.Pointer:
		if v.IsNil() {
			w.u8(0)
			return
		}
		w.u8(1)
		encodeValue(w, v.Elem())
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			w.u8(uint8(v.Index(i).Uint()))
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			w.blob(v.Bytes())
			return
		}
		n := v.Len()
		if n > 0xFFFF {
			// Callers bound lists far below this; the server would refuse it.
			n = 0xFFFF
		}
		w.u16(uint16(n))
		for i := 0; i < n; i++ {
			encodeValue(w, v.Index(i))
		}
	default:
		panic(fmt.Sprintf("couponsd: no wire encoding for %s", v.Type()))
	}
}

// decodeBody fills v (a pointer to a struct) from a body. Bytes after the last
// known field are ignored (protocol.md section 8).
func decodeBody(body []byte, v any) error {
	r := &reader{buf: body}
	return decodeValue(r, reflect.ValueOf(v).Elem(), fieldPlan{name: "body"})
}

func decodeValue(r *reader, v reflect.Value, f fieldPlan) error {
	if v.CanAddr() && v.Addr().Type().Implements(unmarshalerType) {
		return v.Addr().Interface().(wireUnmarshaler).unmarshalWire(r)
	}
	switch v.Kind() {
	case reflect.Struct:
		for _, fp := range planOf(v.Type()) {
			if fp.tail && r.remaining() == 0 {
				return nil
			}
			if err := decodeValue(r, v.Field(fp.index), fp); err != nil {
				return err
			}
		}
		return nil
	case reflect.Uint8:
		b, err := r.u8(f.name)
		if err != nil {
			return err
		}
		if v.Type().Implements(enumType) && !f.lenient && !(f.zero && b == 0) {
			if !enumKnown(v.Interface().(wireEnum).names(), b) {
				return &DecodeError{f.name, "unknown value " + strconv.Itoa(int(b))}
			}
		}
		v.SetUint(uint64(b))
	case reflect.Uint16:
		x, err := r.u16(f.name)
		if err != nil {
			return err
		}
		v.SetUint(uint64(x))
	case reflect.Uint32:
		x, err := r.u32(f.name)
		if err != nil {
			return err
		}
		v.SetUint(uint64(x))
	case reflect.Uint64:
		x, err := r.u64(f.name)
		if err != nil {
			return err
		}
		v.SetUint(x)
	case reflect.Int32:
		x, err := r.u32(f.name)
		if err != nil {
			return err
		}
		v.SetInt(int64(int32(x)))
	case reflect.Int64:
		x, err := r.u64(f.name)
		if err != nil {
			return err
		}
		v.SetInt(int64(x))
	case reflect.Bool:
		x, err := r.bool(f.name)
		if err != nil {
			return err
		}
		v.SetBool(x)
	case reflect.String:
		x, err := r.str(f.name)
		if err != nil {
			return err
		}
		v.SetString(x)
	case reflect.Pointer:
		present, err := r.u8(f.name)
		if err != nil {
			return err
		}
		switch present {
		case 0:
			v.Set(reflect.Zero(v.Type()))
			return nil
		case 1:
			p := reflect.New(v.Type().Elem())
			if err := decodeValue(r, p.Elem(), f); err != nil {
				return err
			}
			v.Set(p)
			return nil
		}
		return &DecodeError{f.name, "presence byte " + strconv.Itoa(int(present))}
	case reflect.Array:
		b, err := r.take(v.Len(), f.name)
		if err != nil {
			return err
		}
		reflect.Copy(v, reflect.ValueOf(b))
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b, err := r.blob(f.name)
			if err != nil {
				return err
			}
			v.SetBytes(b)
			return nil
		}
		n, err := r.u16(f.name)
		if err != nil {
			return err
		}
		// Never trust a count for allocation: every item takes at least one
		// byte, so a count above what is left is already a bad body.
		if int(n) > r.remaining() {
			return &DecodeError{f.name, "list count " + strconv.Itoa(int(n)) + " is over the bytes left"}
		}
		s := reflect.MakeSlice(v.Type(), int(n), int(n))
		for i := 0; i < int(n); i++ {
			if err := decodeValue(r, s.Index(i), f); err != nil {
				return err
			}
		}
		v.Set(s)
	default:
		return &DecodeError{f.name, "no wire decoding for " + v.Type().String()}
	}
	return nil
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }
