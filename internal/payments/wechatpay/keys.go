package wechatpay

import (
	"crypto/rsa"
	"fmt"

	"github.com/wechatpay-apiv3/wechatpay-go/utils"
)

// LoadKeys reads the merchant API private key and the WeChat Pay public
// key from their PEM files.
func LoadKeys(merchantKeyFile, publicKeyFile string) (*rsa.PrivateKey, *rsa.PublicKey, error) {
	mk, err := utils.LoadPrivateKeyWithPath(merchantKeyFile)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: merchant key %s: %v", ErrConfig, merchantKeyFile, err)
	}
	pk, err := utils.LoadPublicKeyWithPath(publicKeyFile)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: WeChat Pay public key %s: %v", ErrConfig, publicKeyFile, err)
	}
	return mk, pk, nil
}
