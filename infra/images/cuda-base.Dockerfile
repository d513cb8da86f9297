# The CUDA worker image's base: NVIDIA's CUDA 12 + cuDNN 9 runtime (what onnxruntime_gpu 1.23 links
# against; Debian ships neither at those versions) with the Java runtime, user and folders of our
# base. Build it where Docker and NVIDIA's registry are reachable (see README.md here), then give Jib
# its `docker save` tarball.
FROM ddt-stream/base:local AS ddt
FROM nvcr.io/nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04
COPY --from=ddt /opt/java /opt/java
COPY --from=ddt /bin/busybox /bin/busybox
RUN useradd --uid 65532 --user-group --create-home nonroot \
 && mkdir -p /var/lib/ddt && chmod 1777 /var/lib/ddt
ENV PATH=/opt/java/bin:$PATH JAVA_HOME=/opt/java HOME=/home/nonroot
USER 65532
