package safetensors

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The helpers in this file read one JSON token each. The argument valueName
// names the value in error messages, such as `shape of tensor "w"`.

func readString(decoder *json.Decoder, valueName string) (string, error) {
	token, err := decoder.Token()
	if err != nil {
		return "", invalidJSON(err)
	}
	text, ok := token.(string)
	if !ok {
		return "", fmt.Errorf("%s is %s, expected a string", valueName, describeToken(token))
	}
	return text, nil
}

func readNumber(decoder *json.Decoder, valueName string) (json.Number, error) {
	token, err := decoder.Token()
	if err != nil {
		return "", invalidJSON(err)
	}
	number, ok := token.(json.Number)
	if !ok {
		return "", fmt.Errorf("%s has %s, expected a number", valueName, describeToken(token))
	}
	return number, nil
}

// readDelim reads the '{' or '[' that opens the value named by valueName.
func readDelim(decoder *json.Decoder, expected json.Delim, valueName string) error {
	token, err := decoder.Token()
	if err != nil {
		return invalidJSON(err)
	}
	if token != expected {
		kind := "a JSON object"
		if expected == '[' {
			kind = "a JSON array"
		}
		return fmt.Errorf("%s is %s, expected %s", valueName, describeToken(token), kind)
	}
	return nil
}

// readEnd reads the '}' or ']' that closes an object or array after
// decoder.More has returned false. The decoder itself checks that the
// delimiter matches the one that opened the value.
func readEnd(decoder *json.Decoder) error {
	if _, err := decoder.Token(); err != nil {
		return invalidJSON(err)
	}
	return nil
}

func invalidJSON(err error) error {
	if err == io.EOF {
		return errors.New("header is not valid JSON: it ends inside the JSON object")
	}
	return fmt.Errorf("header is not valid JSON: %w", err)
}

// describeToken formats a JSON token as it appears in the header, so that
// errors show the value found.
func describeToken(token json.Token) string {
	switch value := token.(type) {
	case nil:
		return "null"
	case json.Delim:
		if value == '[' {
			return "a JSON array"
		}
		return "a JSON object"
	case string:
		return fmt.Sprintf("the string %q", value)
	default:
		return fmt.Sprint(value)
	}
}

// textStart returns up to the first 16 bytes of text for error messages.
func textStart(text []byte) []byte {
	const maxLength = 16
	if len(text) > maxLength {
		return text[:maxLength]
	}
	return text
}
