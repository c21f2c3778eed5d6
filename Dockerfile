# Ippo's container image: a static binary on a distroless base, run as a
# non-root user. Not built on the development machines (they have no
# container engine); CI or a registry's builder builds it:
#   docker build -t registry.example.jp/ippo/ippo:$(git describe --always) .
# The Helm chart (deploy/helm/ippo) runs it as `ippo api`, `ippo worker`
# and `ippo migrate` / `ippo seed` with a read-only root filesystem.

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static: no C library in the final image, so CGO is off.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/ippo ./cmd/ippo

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ippo /usr/local/bin/ippo
# distroless's nonroot user (65532), as the chart's securityContext expects.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/ippo"]
CMD ["serve"]
