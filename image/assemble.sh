image_build() { :; }; image_run() { :; }
