# syntax=docker/dockerfile:1
# Build a static kmbridge binary, then ship it alone in a distroless, non-root image.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/kmbridge ./cmd/kmbridge

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/kmbridge /kmbridge
USER nonroot:nonroot
# Listen on all interfaces inside the container. Mount a volume and point
# KMBRIDGE_STORE_SNAPSHOT_PATH at it to keep conversations across restarts.
ENV KMBRIDGE_HTTP_LISTEN=:8080 KMBRIDGE_STORE_SNAPSHOT_PATH=/tmp/kmbridge-state.json
EXPOSE 8080
ENTRYPOINT ["/kmbridge"]
