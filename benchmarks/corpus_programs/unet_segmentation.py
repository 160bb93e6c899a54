"""segmentation_models as its README shows it (framework chosen by SM_FRAMEWORK, no
pretrained weights), in a script that guards its main code."""
import os

os.environ["SM_FRAMEWORK"] = "tf.keras"

import numpy as np  # noqa: E402
import segmentation_models as sm  # noqa: E402

BACKBONE = "resnet18"


def main():
    preprocess_input = sm.get_preprocessing(BACKBONE)
    model = sm.Unet(BACKBONE, input_shape=(64, 64, 3), classes=3, activation="softmax", encoder_weights=None)
    model.compile("Adam", loss=sm.losses.categorical_focal_jaccard_loss, metrics=[sm.metrics.iou_score])
    images = preprocess_input(np.random.rand(2, 64, 64, 3) * 255)
    masks = np.eye(3)[np.random.randint(0, 3, size=(2, 64, 64))]
    model.fit(images, masks, epochs=1, verbose=0)

    linknet = sm.Linknet(BACKBONE, input_shape=(64, 64, 3), classes=1, encoder_weights=None)
    linknet.compile("Adam", loss=sm.losses.bce_jaccard_loss)


if __name__ == "__main__":
    main()
