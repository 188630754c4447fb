package hostwire

import (
	"encoding/json"
	"fmt"
	"time"
)

// Invocation is one request body for POST /{Function}.
type Invocation struct {
	// Function is the function name: the folder name and the request path.
	Function string
	// Data has one member per input binding, named as in function.json.
	Data Object
	// Metadata is the trigger's binding data, then sys (and RetryContext).
	Metadata Object
}

// Body returns the envelope {"Data":{…},"Metadata":{…}} exactly as the host
// writes it.
func (inv Invocation) Body() []byte {
	b := []byte(`{"Data":`)
	d, _ := inv.Data.MarshalJSON()
	b = append(b, d...)
	b = append(b, `,"Metadata":`...)
	m, _ := inv.Metadata.MarshalJSON()
	b = append(b, m...)
	return append(b, '}')
}

// Sys is the sys binding data (SDK SystemBindingData).
type Sys struct {
	MethodName string
	UtcNow     time.Time
	RandGuid   string
}

// Value encodes sys as the object the host sends; UtcNow keeps its fraction
// and "Z".
func (s Sys) Value() json.RawMessage {
	o := Object{
		{"MethodName", quote(s.MethodName)},
		{"UtcNow", quote(FormatDateTime(s.UtcNow, KindUTC))},
		{"RandGuid", quote(s.RandGuid)},
	}
	b, _ := o.MarshalJSON()
	return b
}

// RetryContext is Metadata.RetryContext, present while a function-level
// retry policy re-invokes a failed execution (SDK RetryContext.cs).
type RetryContext struct {
	// RetryCount is 1 on the first re-invocation.
	RetryCount int
	// MaxRetryCount is function.json retry.maxRetryCount (-1 = forever).
	MaxRetryCount int
	// Message is the previous failure's message.
	Message string
	// InvocationID is the failed invocation's id.
	InvocationID string
}

// Value encodes the context. The Exception and Instance shapes are
// [DERIVED] (contract §4.4): Exception is Newtonsoft's ISerializable form of
// a System.Exception; Instance carries only the failed invocation's Id and
// Reason.
func (r RetryContext) Value() json.RawMessage {
	exc := Object{
		{"ClassName", quote("System.Exception")},
		{"Message", quote(r.Message)},
		{"Data", json.RawMessage("null")},
		{"InnerException", json.RawMessage("null")},
		{"HelpURL", json.RawMessage("null")},
		{"StackTraceString", json.RawMessage("null")},
		{"RemoteStackTraceString", json.RawMessage("null")},
		{"RemoteStackIndex", json.RawMessage("0")},
		{"ExceptionMethod", json.RawMessage("null")},
		{"HResult", json.RawMessage("-2146233088")},
		{"Source", json.RawMessage("null")},
		{"WatsonBuckets", json.RawMessage("null")},
	}
	e, _ := exc.MarshalJSON()
	inst, _ := Object{{"Id", quote(r.InvocationID)}, {"Reason", quote("AutomaticTrigger")}}.MarshalJSON()
	o := Object{
		{"RetryCount", json.RawMessage(fmt.Sprint(r.RetryCount))},
		{"MaxRetryCount", json.RawMessage(fmt.Sprint(r.MaxRetryCount))},
		{"Exception", e},
		{"Instance", inst},
		{"State", json.RawMessage("{}")},
	}
	b, _ := o.MarshalJSON()
	return b
}
