# Build stage: a static binary.
FROM golang:1.26 AS build
WORKDIR /src
ENV CGO_ENABLED=0
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -trimpath -ldflags="-s -w" -o /atrium ./cmd/atrium

# Runtime stage.
FROM debian:bookworm-slim
RUN apt-get update \
	&& apt-get install -y --no-install-recommends ca-certificates tzdata \
	&& rm -rf /var/lib/apt/lists/* \
	&& useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin atrium
COPY --from=build /atrium /atrium
USER atrium:atrium
ENV ATRIUM_ADDR=:8080
EXPOSE 8080
ENTRYPOINT ["/atrium"]
CMD ["serve"]
