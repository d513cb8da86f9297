"""DDT-LLaMA at tiny scale: synthetic world, DDT tokenizer, LLaMA prior, ONNX export."""
