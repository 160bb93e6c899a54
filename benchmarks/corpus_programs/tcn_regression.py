"""keras-tcn as its README shows it: a TCN layer in a functional model fitted for one step
on random data, the same in a Sequential, and the package's compiled_tcn builder."""
import numpy as np
from tcn import TCN, compiled_tcn
from tensorflow.keras import Input, Model, Sequential
from tensorflow.keras.layers import Dense

batch_size, timesteps, input_dim = None, 20, 1


def get_x_y(size=16):
    pos_indices = np.random.choice(size, size=int(size // 2), replace=False)
    x_train = np.zeros(shape=(size, timesteps, 1))
    y_train = np.zeros(shape=(size, 1))
    x_train[pos_indices, 0] = 1.0
    y_train[pos_indices, 0] = 1.0
    return x_train, y_train


i = Input(batch_shape=(batch_size, timesteps, input_dim))
o = TCN(nb_filters=16, dilations=(1, 2, 4), return_sequences=False)(i)  # The TCN layers are here.
o = Dense(1)(o)

m = Model(inputs=[i], outputs=[o])
m.compile(optimizer="adam", loss="mse")

x, y = get_x_y()
m.fit(x, y, epochs=1, batch_size=8, verbose=0)

tcn_layer = TCN(nb_filters=8, kernel_size=3, dilations=[1, 2], use_skip_connections=True)
sequential = Sequential([Input(shape=(timesteps, input_dim)), tcn_layer, Dense(1)])
sequential.compile(optimizer="adam", loss="mae")

classifier = compiled_tcn(num_feat=input_dim, num_classes=4, nb_filters=8, kernel_size=2, dilations=[1, 2, 4],
                          nb_stacks=1, max_len=timesteps, return_sequences=False)
