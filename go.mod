module github.com/vkcnn/vkcnn

go 1.26

require (
	github.com/goki/vulkan v1.0.8
	gonum.org/v1/gonum v0.17.0
)
