// Package jsontree is the JSON document model of the MedTech mapping engine:
// an order-preserving tree that keeps each number's literal text (so integer
// and float kinds survive, as Json.NET keeps them) and each value's byte
// offset in its source (so template errors can name a line and column).
//
// Values are immutable once parsed and safe for concurrent reads.
package jsontree

import (
	"strconv"
	"strings"
)

// Kind is the JSON kind of a Value. Numbers are split into integers (literal
// without '.', 'e' or 'E') and floats, as Json.NET does.
type Kind uint8

// The kinds of Value.
const (
	Null Kind = iota
	Bool
	Int
	Float
	String
	Array
	Object
)

var kindNames = [...]string{"null", "boolean", "integer", "float", "string", "array", "object"}

// String returns the kind's lowercase name.
func (k Kind) String() string { return kindNames[k] }

// Member is one object member.
type Member struct {
	Key   string
	Value *Value
}

// Value is one JSON value. For numbers Str holds the literal text; for
// strings the decoded text; Bool holds a boolean's value.
type Value struct {
	Kind    Kind
	Bool    bool
	Str     string
	Items   []*Value
	Members []Member
	// Offset is the byte offset of the value in its source, or -1.
	Offset int
}

// Shared immutable values.
var (
	NullValue  = &Value{Kind: Null, Offset: -1}
	TrueValue  = &Value{Kind: Bool, Bool: true, Offset: -1}
	FalseValue = &Value{Kind: Bool, Offset: -1}
)

// NewString returns a string value.
func NewString(s string) *Value { return &Value{Kind: String, Str: s, Offset: -1} }

// NewInt returns an integer value.
func NewInt(n int64) *Value {
	return &Value{Kind: Int, Str: strconv.FormatInt(n, 10), Offset: -1}
}

// NewFloat returns a float value.
func NewFloat(f float64) *Value {
	return &Value{Kind: Float, Str: strconv.FormatFloat(f, 'g', -1, 64), Offset: -1}
}

// NewBool returns a boolean value.
func NewBool(b bool) *Value {
	if b {
		return TrueValue
	}
	return FalseValue
}

// NewArray returns an array value.
func NewArray(items []*Value) *Value { return &Value{Kind: Array, Items: items, Offset: -1} }

// NewObject returns an object value.
func NewObject(members []Member) *Value { return &Value{Kind: Object, Members: members, Offset: -1} }

// Get returns the value of the first member named key (case-sensitive), or nil.
func (v *Value) Get(key string) *Value {
	if v == nil || v.Kind != Object {
		return nil
	}
	for i := range v.Members {
		if v.Members[i].Key == key {
			return v.Members[i].Value
		}
	}
	return nil
}

// GetFold returns the value of the first member whose name equals key
// case-insensitively, or nil.
func (v *Value) GetFold(key string) *Value {
	if v == nil || v.Kind != Object {
		return nil
	}
	for i := range v.Members {
		if strings.EqualFold(v.Members[i].Key, key) {
			return v.Members[i].Value
		}
	}
	return nil
}

// IsNumber reports whether v is an integer or a float.
func (v *Value) IsNumber() bool { return v.Kind == Int || v.Kind == Float }

// Float64 returns a number's value as float64 (integers beyond 2^53 round).
func (v *Value) Float64() float64 {
	f, _ := strconv.ParseFloat(v.Str, 64)
	return f
}

// Int64 returns an integer's value and whether it fits in int64.
func (v *Value) Int64() (int64, bool) {
	if v.Kind != Int {
		return 0, false
	}
	n, err := strconv.ParseInt(v.Str, 10, 64)
	return n, err == nil
}

// Truthy reports JMESPath truth: false, null, "", [] and {} are false.
func (v *Value) Truthy() bool {
	switch v.Kind {
	case Null:
		return false
	case Bool:
		return v.Bool
	case String:
		return v.Str != ""
	case Array:
		return len(v.Items) > 0
	case Object:
		return len(v.Members) > 0
	}
	return true
}
