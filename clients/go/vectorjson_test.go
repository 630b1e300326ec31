package couponsd

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"reflect"
	"strconv"
)

// The golden vectors' JSON conventions (clients/vectors/README.md): every
// integer a decimal string, enums by name, bytes as hex, choices as one-key
// objects, absent optionals null. toJSON turns a decoded value into that
// form; fromJSON builds a value from it. Both are generic over the structs'
// `json` tags; nothing here uses floating point (the file is decoded with
// UseNumber, and integers in it are strings anyway).

type jsonChoice interface {
	toJSON() any
	fromJSON(v any) error
}

type jsonTupler interface{ jsonTuple() }

func (c CouponRef) toJSON() any {
	if c.ByCode {
		return map[string]any{"Code": c.Code}
	}
	return map[string]any{"Id": itoa(c.ID)}
}

func (c *CouponRef) fromJSON(v any) error {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return fmt.Errorf("CouponRef: %v", v)
	}
	if s, ok := m["Code"].(string); ok {
		*c = CouponByCode(s)
		return nil
	}
	id, err := strconv.ParseUint(fmt.Sprint(m["Id"]), 10, 64)
	*c = CouponByID(id)
	return err
}

func (r RedemptionRef) toJSON() any {
	if r.ByOrder {
		return map[string]any{"Order": map[string]any{"code": r.Code, "order_id": r.OrderID}}
	}
	return map[string]any{"Id": itoa(r.ID)}
}

func (r *RedemptionRef) fromJSON(v any) error {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return fmt.Errorf("RedemptionRef: %v", v)
	}
	if o, ok := m["Order"].(map[string]any); ok {
		*r = RedemptionByOrder(o["code"].(string), o["order_id"].(string))
		return nil
	}
	id, err := strconv.ParseUint(fmt.Sprint(m["Id"]), 10, 64)
	*r = RedemptionByID(id)
	return err
}

var (
	choiceType    = reflect.TypeOf((*jsonChoice)(nil)).Elem()
	tupleType     = reflect.TypeOf((*jsonTupler)(nil)).Elem()
	digest128Type = reflect.TypeOf(Digest128{})
)

func toJSON(v reflect.Value) any {
	t := v.Type()
	if t.Implements(choiceType) {
		return v.Interface().(jsonChoice).toJSON()
	}
	if t == digest128Type {
		b := v.Interface().(Digest128)
		return new(big.Int).SetBytes(b[:]).String()
	}
	if t.Implements(enumType) {
		names := v.Interface().(wireEnum).names()
		if b := uint8(v.Uint()); enumKnown(names, b) {
			return names[b]
		}
		return nil // 0 or a lenient unknown value: "none"
	}
	switch t.Kind() {
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Bool:
		return v.Bool()
	case reflect.String:
		return v.String()
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return toJSON(v.Elem())
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			if v.IsNil() {
				return nil
			}
			return hex.EncodeToString(v.Bytes())
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = toJSON(v.Index(i))
		}
		return out
	case reflect.Struct:
		if t.Implements(tupleType) {
			var out []any
			for _, f := range planOf(t) {
				out = append(out, toJSON(v.Field(f.index)))
			}
			return out
		}
		out := map[string]any{}
		for _, f := range planOf(t) {
			if t.Field(f.index).Anonymous {
				inner := toJSON(v.Field(f.index))
				m, ok := inner.(map[string]any)
				if !ok || t.Field(f.index).Type.Implements(choiceType) {
					return inner // a request whose body is one choice
				}
				for k, x := range m {
					out[k] = x
				}
				continue
			}
			out[f.name] = toJSON(v.Field(f.index))
		}
		return out
	}
	panic("toJSON: " + t.String())
}

func fromJSON(j any, v reflect.Value) error {
	t := v.Type()
	if v.CanAddr() && v.Addr().Type().Implements(choiceType) {
		return v.Addr().Interface().(jsonChoice).fromJSON(j)
	}
	if t == digest128Type {
		n, ok := new(big.Int).SetString(fmt.Sprint(j), 10)
		if !ok {
			return fmt.Errorf("digest %v", j)
		}
		var d Digest128
		n.FillBytes(d[:])
		v.Set(reflect.ValueOf(d))
		return nil
	}
	if t.Implements(enumType) {
		if j == nil {
			v.SetUint(0)
			return nil
		}
		b, ok := enumValue(v.Interface().(wireEnum).names(), fmt.Sprint(j))
		if !ok {
			return fmt.Errorf("%s has no value %v", t, j)
		}
		v.SetUint(uint64(b))
		return nil
	}
	switch t.Kind() {
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(fmt.Sprint(j), 10, t.Bits())
		v.SetUint(n)
		return err
	case reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(fmt.Sprint(j), 10, t.Bits())
		v.SetInt(n)
		return err
	case reflect.Bool:
		b, ok := j.(bool)
		if !ok {
			return fmt.Errorf("bool %v", j)
		}
		v.SetBool(b)
		return nil
	case reflect.String:
		s, ok := j.(string)
		if !ok {
			return fmt.Errorf("string %v", j)
		}
		v.SetString(s)
		return nil
	case reflect.Pointer:
		if j == nil {
			v.Set(reflect.Zero(t))
			return nil
		}
		p := reflect.New(t.Elem())
		if err := fromJSON(j, p.Elem()); err != nil {
			return err
		}
		v.Set(p)
		return nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			if j == nil {
				v.SetBytes(nil)
				return nil
			}
			b, err := hex.DecodeString(fmt.Sprint(j))
			v.SetBytes(b)
			return err
		}
		items, ok := j.([]any)
		if !ok {
			return fmt.Errorf("list %v", j)
		}
		s := reflect.MakeSlice(t, len(items), len(items))
		for i, x := range items {
			if err := fromJSON(x, s.Index(i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.Struct:
		if t.Implements(tupleType) {
			items, ok := j.([]any)
			fields := planOf(t)
			if !ok || len(items) != len(fields) {
				return fmt.Errorf("%s tuple %v", t, j)
			}
			for i, f := range fields {
				if err := fromJSON(items[i], v.Field(f.index)); err != nil {
					return err
				}
			}
			return nil
		}
		m, ok := j.(map[string]any)
		if !ok {
			return fmt.Errorf("%s object %v", t, j)
		}
		used := 0
		for _, f := range planOf(t) {
			if t.Field(f.index).Anonymous {
				// The embedded struct reads the same object (flattened).
				if err := fromJSON(j, v.Field(f.index)); err != nil {
					return err
				}
				used = len(m)
				continue
			}
			x, present := m[f.name]
			if !present {
				return fmt.Errorf("%s: no field %q in %v", t, f.name, keys(m))
			}
			used++
			if err := fromJSON(x, v.Field(f.index)); err != nil {
				return fmt.Errorf("%s.%s: %w", t, f.name, err)
			}
		}
		if used != len(m) {
			return fmt.Errorf("%s: the JSON has fields the type does not: %v", t, keys(m))
		}
		return nil
	}
	return fmt.Errorf("fromJSON: %s", t)
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
