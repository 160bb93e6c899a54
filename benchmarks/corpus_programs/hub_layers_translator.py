"""A small encoder-decoder Transformer from keras-hub's layers, the way keras.io's
"English-to-Spanish translation with KerasHub" builds it: the decoder layer takes the
decoder sequence and the encoder's output."""
import keras
import keras_hub

VOCAB = 500
SEQ = 20
EMBED = 32
HEADS = 2
FF = 64

encoder_inputs = keras.Input(shape=(None,), dtype="int32", name="encoder_inputs")
x = keras_hub.layers.TokenAndPositionEmbedding(vocabulary_size=VOCAB, sequence_length=SEQ, embedding_dim=EMBED)(
    encoder_inputs)
encoder_outputs = keras_hub.layers.TransformerEncoder(intermediate_dim=FF, num_heads=HEADS)(inputs=x)
encoder = keras.Model(encoder_inputs, encoder_outputs)

decoder_inputs = keras.Input(shape=(None,), dtype="int32", name="decoder_inputs")
encoded_seq_inputs = keras.Input(shape=(None, EMBED), name="decoder_state_inputs")
x = keras_hub.layers.TokenAndPositionEmbedding(vocabulary_size=VOCAB, sequence_length=SEQ, embedding_dim=EMBED)(
    decoder_inputs)
x = keras_hub.layers.TransformerDecoder(intermediate_dim=FF, num_heads=HEADS)(
    decoder_sequence=x, encoder_sequence=encoded_seq_inputs)
x = keras.layers.Dropout(0.5)(x)
decoder_outputs = keras.layers.Dense(VOCAB, activation="softmax")(x)
decoder = keras.Model([decoder_inputs, encoded_seq_inputs], decoder_outputs)

decoder_outputs = decoder([decoder_inputs, encoder_outputs])
transformer = keras.Model([encoder_inputs, decoder_inputs], decoder_outputs, name="transformer")
transformer.compile("rmsprop", loss="sparse_categorical_crossentropy")
